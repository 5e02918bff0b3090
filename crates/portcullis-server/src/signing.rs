//! Access-token signatures, with the slow ones off the async workers.
//!
//! An RSA-2048 signature takes 0.25-1 ms of CPU, ten to fifty times an ES256 or EdDSA
//! one. Signed on the Tokio worker that parsed the request, it holds that worker, and
//! every task queued behind it, for that long. Under an RS256 load the requests that a
//! worker picked up in one batch waited for the whole batch, so the 99th percentile was
//! 1.6-1.9 times the median, and an ES256 realm's token requests waited 12.8 ms (median)
//! in the same queues. RSA signatures therefore go to one FIFO queue served by one thread
//! per core: they are signed in the order they arrived (99th percentile 1.2-1.4 times the
//! median), and the workers stay free for HTTP (the ES256 requests: 0.8 ms). The hand-over
//! costs about 4% of an RS256 token's CPU on a 2-core machine. ES256 and EdDSA sign in
//! place: for them the hand-over would cost about as much as the signature.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use portcullis_core::error::{CoreError, CoreResult};
use portcullis_core::keys::{Algorithm, Signer};
use tokio::sync::oneshot;

struct Job {
    signer: Arc<Signer>,
    payload: Vec<u8>,
    done: oneshot::Sender<CoreResult<String>>,
}

/// Signs access tokens; RSA ones on the pool's threads, which end when it is dropped.
pub struct SigningPool {
    /// `None` if no thread could be started: everything is then signed in place.
    jobs: Option<flume::Sender<Job>>,
}

impl SigningPool {
    /// A pool of one signing thread per core.
    pub fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get))
    }

    /// A pool of `threads` signing threads (at least one is tried).
    pub fn new(threads: usize) -> Self {
        let (tx, rx) = flume::unbounded::<Job>();
        let mut started = 0;
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            let thread = std::thread::Builder::new().name(format!("portcullis-sign-{i}")).spawn(move || {
                for job in rx.iter() {
                    // The client went away (a timeout under overload): spend nothing on it.
                    if job.done.is_closed() {
                        continue;
                    }
                    // A panic must cost one request, not one of the few signing threads.
                    let signed = catch_unwind(AssertUnwindSafe(|| job.signer.sign_json(&job.payload)))
                        .unwrap_or_else(|_| Err(CoreError::Crypto("the signature failed".into())));
                    let _ = job.done.send(signed);
                }
            });
            match thread {
                Ok(_) => started += 1,
                Err(e) => tracing::warn!(error = %e, "cannot start a signing thread"),
            }
        }
        Self { jobs: (started > 0).then_some(tx) }
    }

    /// Signs `payload` (the claims, serialized) into a compact JWS with `signer`.
    pub async fn sign(&self, signer: &Arc<Signer>, payload: Vec<u8>) -> CoreResult<String> {
        let jobs = match &self.jobs {
            Some(jobs) if signs_slowly(signer.algorithm()) => jobs,
            _ => return signer.sign_json(&payload),
        };
        let (done, signed) = oneshot::channel();
        jobs.send(Job { signer: signer.clone(), payload, done })
            .map_err(|_| CoreError::Crypto("no signing thread is running".into()))?;
        signed.await.map_err(|_| CoreError::Crypto("the signing thread ended".into()))?
    }
}

fn signs_slowly(alg: Algorithm) -> bool {
    matches!(alg, Algorithm::Rs256 | Algorithm::Ps256)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    use futures_util::future::join_all;
    use portcullis_core::keys::{generate_key, verify};

    use super::*;

    fn signer(alg: &str) -> Arc<Signer> {
        Arc::new(Signer::from_stored(&generate_key("realm", alg, 0).unwrap()).unwrap())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_algorithm_signs_verifiable_tokens() {
        let pool = SigningPool::new(2);
        for alg in ["RS256", "PS256", "ES256", "EdDSA"] {
            let s = signer(alg);
            let tokens = join_all((0..8).map(|i| pool.sign(&s, format!(r#"{{"n":{i}}}"#).into_bytes()))).await;
            for (i, token) in tokens.into_iter().enumerate() {
                let claims: serde_json::Value = verify(&token.unwrap(), &[s.verify_key()]).unwrap();
                assert_eq!(claims["n"], i, "{alg}");
            }
        }
    }

    #[tokio::test]
    async fn requests_given_up_on_leave_the_pool_working() {
        let pool = SigningPool::new(1);
        let s = signer("RS256");
        for _ in 0..3 {
            let gave_up = tokio::time::timeout(std::time::Duration::from_micros(1), pool.sign(&s, b"{}".to_vec()));
            assert!(gave_up.await.is_err(), "an RSA signature takes longer than 1 µs");
        }
        let token = pool.sign(&s, br#"{"n":1}"#.to_vec()).await.unwrap();
        let claims: serde_json::Value = verify(&token, &[s.verify_key()]).unwrap();
        assert_eq!(claims["n"], 1);
    }

    #[tokio::test]
    async fn only_rsa_leaves_the_runtime() {
        let ticks = Arc::new(AtomicUsize::new(0));
        let counter = ticks.clone();
        let ticker = tokio::spawn(async move {
            loop {
                counter.fetch_add(1, Relaxed);
                tokio::task::yield_now().await;
            }
        });
        let pool = SigningPool::new(1);
        let inline = SigningPool { jobs: None };
        for (pool, alg, leaves) in
            [(&pool, "ES256", false), (&pool, "EdDSA", false), (&pool, "RS256", true), (&inline, "RS256", false)]
        {
            let s = signer(alg);
            let before = ticks.load(Relaxed);
            let tokens = join_all((0..4).map(|_| pool.sign(&s, b"{}".to_vec()))).await;
            assert!(tokens.iter().all(Result::is_ok), "{alg}");
            // On this one-thread runtime the ticker runs only while this task waits: it
            // did during signatures on the pool's thread, and not during those in place.
            assert_eq!(ticks.load(Relaxed) > before, leaves, "{alg}");
        }
        ticker.abort();
    }
}
