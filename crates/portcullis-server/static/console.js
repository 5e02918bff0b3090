// Progressive enhancement of the credentials tab: show and copy the secret. Without
// JavaScript the page offers the same through a <details> element.
document.querySelectorAll('[data-reveal]').forEach((b) => {
  const input = document.getElementById(b.dataset.reveal);
  b.hidden = false;
  b.addEventListener('click', () => {
    const shown = input.type === 'text';
    input.type = shown ? 'password' : 'text';
    b.textContent = shown ? 'Show' : 'Hide';
  });
});
document.querySelectorAll('[data-copy]').forEach((b) => {
  const input = document.getElementById(b.dataset.copy);
  b.hidden = false;
  b.addEventListener('click', async () => {
    await navigator.clipboard.writeText(input.value);
    b.textContent = 'Copied';
  });
});
