//! Release links of the binary place the functions that start-up and the OAuth endpoints
//! run first and together in `.text`, in the order of `symbol-order.txt` (written by
//! `scripts/symbol-order.sh`).
//!
//! Why: the kernel maps a program's code in 64 KiB windows around each page it faults in
//! (fault-around), and the linker otherwise scatters the ~3 MB of code that runs over all
//! 14 MB of `.text`: start-up and one token request touched 157 windows, so 10 MB of code
//! pages were resident before the load. Packed, 4.8 MB are, and the token path's code
//! shares pages and TLB entries (ES256 +4% tokens per CPU-second). See bench/README.md.
//!
//! Only where the linker is known to be lld, which has `--symbol-ordering-file`: rustc's
//! own on x86_64-unknown-linux-gnu since Rust 1.90, unless RUSTFLAGS picks another. A
//! stale name in the file (names change with the toolchain and the crates' dependency
//! lists) is skipped by the linker, and only the layout suffers;
//! `PORTCULLIS_SYMBOL_ORDER=0` turns the ordering off.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=symbol-order.txt");
    println!("cargo:rerun-if-env-changed=PORTCULLIS_SYMBOL_ORDER");
    let var = |name: &str| env::var(name).unwrap_or_default();
    let wanted = var("PROFILE") == "release" && var("PORTCULLIS_SYMBOL_ORDER") != "0";
    if !wanted
        || var("TARGET") != "x86_64-unknown-linux-gnu"
        || var("CARGO_ENCODED_RUSTFLAGS").contains("link")
        || rustc_minor().is_none_or(|minor| minor < 90)
    {
        return;
    }
    let file = PathBuf::from(var("CARGO_MANIFEST_DIR")).join("symbol-order.txt");
    if file.is_file() {
        println!("cargo:rustc-link-arg-bin=portcullis=-Wl,--symbol-ordering-file={}", file.display());
        println!("cargo:rustc-link-arg-bin=portcullis=-Wl,--no-warn-symbol-ordering");
    }
}

/// The minor version of the rustc that builds the crate (`rustc 1.95.0 (...)` -> 95).
fn rustc_minor() -> Option<u32> {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc).arg("--version").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    text.split_whitespace().nth(1)?.split('.').nth(1)?.parse().ok()
}
