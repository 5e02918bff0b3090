//! Envelope encryption of what must not sit in the database in the clear: client secrets
//! and signing private keys are sealed with AES-256-GCM under one *data key*, and the data
//! key is stored only wrapped (sealed) under the *master key*, which never enters the
//! database. Rotating the master key re-wraps the data key; the records stay as they are.
//!
//! The data key also derives the pepper of keyed secret hashes ([`DataKey::secret_hasher`]),
//! so hashes survive a master key rotation too.

use aws_lc_rs::aead::{Aad, Nonce, RandomizedNonceKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::hmac;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use rand::RngCore as _;
use zeroize::Zeroizing;

use crate::error::{CoreError, CoreResult};
use crate::secret::SecretHasher;

const KEY_LEN: usize = 32;
/// First byte of every sealed value, so that a later format can be told apart.
const VERSION: u8 = 1;
const TAG_LEN: usize = 16;
const WRAP_AAD: &[u8] = b"portcullis data key";

/// The key-encryption key, from `--master-key-file`, `PORTCULLIS_MASTER_KEY` or the data dir.
/// Encoded as standard base64 of 32 random bytes.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey({})", self.fingerprint())
    }
}

impl MasterKey {
    /// A new random master key.
    pub fn generate() -> Self {
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        rand::rngs::OsRng.fill_bytes(k.as_mut());
        Self(k)
    }

    /// Parses the encoded form; surrounding whitespace (a trailing newline) is ignored.
    pub fn from_encoded(text: &str) -> CoreResult<Self> {
        let bad = || {
            CoreError::Invalid(
                "a master key must be 32 random bytes in base64 (44 characters, e.g. from `openssl rand -base64 32`)"
                    .into(),
            )
        };
        let raw = Zeroizing::new(STANDARD.decode(text.trim()).map_err(|_| bad())?);
        let bytes: [u8; KEY_LEN] = raw.as_slice().try_into().map_err(|_| bad())?;
        Ok(Self(Zeroizing::new(bytes)))
    }

    /// The encoded form, for a key file.
    pub fn encode(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.0.as_ref()))
    }

    /// A public identifier of the key (16 hex digits), stored next to what it wraps so that
    /// a wrong key is reported as such instead of as corrupt data.
    pub fn fingerprint(&self) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.0.as_ref());
        let tag = hmac::sign(&key, b"portcullis master key fingerprint");
        tag.as_ref()[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    fn aead(&self) -> CoreResult<RandomizedNonceKey> {
        RandomizedNonceKey::new(&AES_256_GCM, self.0.as_ref()).map_err(|_| crypto("cannot load the master key"))
    }
}

/// The data-encryption key: seals and opens records, derives the secret-hash pepper.
pub struct DataKey {
    raw: Zeroizing<[u8; KEY_LEN]>,
    aead: RandomizedNonceKey,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

impl DataKey {
    /// A new random data key.
    pub fn generate() -> CoreResult<Self> {
        let mut raw = Zeroizing::new([0u8; KEY_LEN]);
        rand::rngs::OsRng.fill_bytes(raw.as_mut());
        Self::from_raw(raw)
    }

    fn from_raw(raw: Zeroizing<[u8; KEY_LEN]>) -> CoreResult<Self> {
        let aead =
            RandomizedNonceKey::new(&AES_256_GCM, raw.as_ref()).map_err(|_| crypto("cannot load the data key"))?;
        Ok(Self { raw, aead })
    }

    /// A key from derived bytes (see [`crate::secret::SecretHasher::derive`]).
    pub fn from_derived(bytes: [u8; KEY_LEN]) -> CoreResult<Self> {
        Self::from_raw(Zeroizing::new(bytes))
    }

    /// The data key sealed under `master`, for storage.
    pub fn wrap(&self, master: &MasterKey) -> CoreResult<Vec<u8>> {
        seal_with(&master.aead()?, self.raw.as_ref(), WRAP_AAD)
    }

    /// Opens a wrapped data key. Fails when `master` is not the key that wrapped it.
    pub fn unwrap(master: &MasterKey, wrapped: &[u8]) -> CoreResult<Self> {
        let raw = open_with(&master.aead()?, wrapped, WRAP_AAD)?;
        let bytes: [u8; KEY_LEN] =
            raw.as_slice().try_into().map_err(|_| crypto("the stored data key has the wrong length"))?;
        Self::from_raw(Zeroizing::new(bytes))
    }

    /// Encrypts `plaintext`, bound to `aad` (the record it belongs to, so that a sealed
    /// value copied to another row does not open there).
    pub fn seal(&self, plaintext: &[u8], aad: &str) -> CoreResult<Vec<u8>> {
        seal_with(&self.aead, plaintext, aad.as_bytes())
    }

    /// Decrypts what [`DataKey::seal`] produced with the same `aad`.
    pub fn open(&self, sealed: &[u8], aad: &str) -> CoreResult<Zeroizing<Vec<u8>>> {
        open_with(&self.aead, sealed, aad.as_bytes())
    }

    /// [`DataKey::seal`] as URL-safe base64 text, for text columns.
    pub fn seal_text(&self, plaintext: &str, aad: &str) -> CoreResult<String> {
        Ok(URL_SAFE_NO_PAD.encode(self.seal(plaintext.as_bytes(), aad)?))
    }

    /// Opens what [`DataKey::seal_text`] produced.
    pub fn open_text(&self, sealed: &str, aad: &str) -> CoreResult<String> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).map_err(|_| crypto("a sealed value is not valid base64"))?;
        let plain = self.open(&bytes, aad)?;
        String::from_utf8(plain.to_vec()).map_err(|_| crypto("a sealed secret is not UTF-8"))
    }

    /// The keyed hash of client secrets, under a pepper derived from this key.
    pub fn secret_hasher(&self) -> SecretHasher {
        let derive = hmac::Key::new(hmac::HMAC_SHA256, self.raw.as_ref());
        let pepper = hmac::sign(&derive, b"portcullis client secret pepper");
        SecretHasher::new(pepper.as_ref())
    }
}

/// Whether `bytes` has the shape of a sealed value (not proof that it opens).
pub fn is_sealed(bytes: &[u8]) -> bool {
    bytes.first() == Some(&VERSION) && bytes.len() >= 1 + NONCE_LEN + TAG_LEN
}

fn seal_with(key: &RandomizedNonceKey, plaintext: &[u8], aad: &[u8]) -> CoreResult<Vec<u8>> {
    let mut in_out = plaintext.to_vec();
    let nonce = key.seal_in_place_append_tag(Aad::from(aad), &mut in_out).map_err(|_| crypto("encryption failed"))?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + in_out.len());
    out.push(VERSION);
    out.extend_from_slice(nonce.as_ref());
    out.extend_from_slice(&in_out);
    Ok(out)
}

fn open_with(key: &RandomizedNonceKey, sealed: &[u8], aad: &[u8]) -> CoreResult<Zeroizing<Vec<u8>>> {
    if !is_sealed(sealed) {
        return Err(crypto("a stored value is not in the sealed format"));
    }
    let nonce = Nonce::try_assume_unique_for_key(&sealed[1..1 + NONCE_LEN]).map_err(|_| crypto("bad nonce"))?;
    let mut in_out = Zeroizing::new(sealed[1 + NONCE_LEN..].to_vec());
    let len = key
        .open_in_place(nonce, Aad::from(aad), in_out.as_mut_slice())
        .map_err(|_| crypto("a sealed value does not open with this key (wrong key or tampered data)"))?
        .len();
    in_out.truncate(len);
    Ok(in_out)
}

fn crypto(msg: &str) -> CoreError {
    CoreError::Crypto(msg.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn master_key_round_trips_through_its_encoding() {
        let k = MasterKey::generate();
        let again = MasterKey::from_encoded(&format!("{}\n", k.encode().as_str())).unwrap();
        assert_eq!(k.fingerprint(), again.fingerprint());
        assert_eq!(k.fingerprint().len(), 16);
        assert_ne!(k.fingerprint(), MasterKey::generate().fingerprint());
    }

    #[test]
    fn master_key_refuses_wrong_sizes_and_encodings() {
        for bad in ["", "c2hvcnQ=", "not base64 at all!", &STANDARD.encode([0u8; 31]), &STANDARD.encode([0u8; 33])] {
            let e = MasterKey::from_encoded(bad).unwrap_err().to_string();
            assert!(e.contains("32 random bytes"), "{bad}: {e}");
        }
    }

    #[test]
    fn data_key_unwraps_only_with_its_master_key() {
        let (m1, m2) = (MasterKey::generate(), MasterKey::generate());
        let dk = DataKey::generate().unwrap();
        let sealed = dk.seal(b"private key bytes", "signing-key:k1").unwrap();
        let wrapped = dk.wrap(&m1).unwrap();
        assert!(DataKey::unwrap(&m2, &wrapped).is_err());
        let back = DataKey::unwrap(&m1, &wrapped).unwrap();
        assert_eq!(back.open(&sealed, "signing-key:k1").unwrap().as_slice(), b"private key bytes");
        // Re-wrapping under another master key keeps every sealed record readable.
        let rewrapped = back.wrap(&m2).unwrap();
        let again = DataKey::unwrap(&m2, &rewrapped).unwrap();
        assert_eq!(again.open(&sealed, "signing-key:k1").unwrap().as_slice(), b"private key bytes");
    }

    #[test]
    fn sealed_values_are_bound_to_their_record_and_detect_tampering() {
        let dk = DataKey::generate().unwrap();
        let sealed = dk.seal_text("s3cret", "client-secret:a").unwrap();
        assert!(!sealed.contains("s3cret"));
        assert_eq!(dk.open_text(&sealed, "client-secret:a").unwrap(), "s3cret");
        assert!(dk.open_text(&sealed, "client-secret:b").is_err());
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(dk.open(&bytes, "client-secret:a").is_err());
        assert!(dk.open(b"\x01short", "client-secret:a").is_err());
        assert!(dk.open_text("%%%", "client-secret:a").is_err());
        // Same plaintext, fresh nonce: no two ciphertexts alike.
        assert_ne!(dk.seal_text("s3cret", "x").unwrap(), dk.seal_text("s3cret", "x").unwrap());
    }

    #[test]
    fn pepper_follows_the_data_key_not_the_master_key() {
        let dk = DataKey::generate().unwrap();
        let wrapped = dk.wrap(&MasterKey::generate()).unwrap();
        assert!(is_sealed(&wrapped));
        assert!(!is_sealed(b"\x30\x82 a DER document"));
        let other = DataKey::generate().unwrap();
        assert_eq!(dk.secret_hasher().keyed("abc"), dk.secret_hasher().keyed("abc"));
        assert_ne!(dk.secret_hasher().keyed("abc"), other.secret_hasher().keyed("abc"));
    }
}
