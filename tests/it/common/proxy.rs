//! A TCP proxy in front of a gateway, on loopback: counts the bytes it
//! passes back, and can cut every connection once it has passed so many
//! (a peer whose kubo stops midway, a link that drops).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct Proxy {
    pub url: String,
    passed: Arc<AtomicU64>,
}

impl Proxy {
    /// A proxy to `upstream` (`http://127.0.0.1:PORT`) that stops passing
    /// anything once `cut_after` bytes have gone back (None: never),
    /// closing every connection.
    pub async fn start(upstream: &str, cut_after: Option<u64>) -> Proxy {
        Proxy::run(upstream, cut_after, false).await
    }

    /// One that, after `after` bytes, holds every connection open and
    /// passes nothing more: a link gone quiet, for a stop to come midway.
    pub async fn stalling(upstream: &str, after: u64) -> Proxy {
        Proxy::run(upstream, Some(after), true).await
    }

    async fn run(upstream: &str, cut_after: Option<u64>, stall: bool) -> Proxy {
        let up = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        let passed = Arc::new(AtomicU64::new(0));
        let p2 = passed.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = l.accept().await {
                let (up, passed) = (up.clone(), p2.clone());
                tokio::spawn(async move {
                    if cut_after.is_some_and(|c| passed.load(Ordering::Relaxed) >= c) {
                        if stall {
                            let _held = client;
                            std::future::pending::<()>().await;
                        }
                        return; // gone: the connection closes at once
                    }
                    let Ok(server) = TcpStream::connect(&up).await else {
                        return;
                    };
                    let (mut cr, mut cw) = client.into_split();
                    let (mut sr, mut sw) = server.into_split();
                    let ask = tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut cr, &mut sw).await;
                    });
                    let mut buf = vec![0u8; 64 << 10];
                    loop {
                        let n = match sr.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        let mut n = n;
                        if let Some(c) = cut_after {
                            let before = passed.load(Ordering::Relaxed);
                            if before >= c {
                                if stall {
                                    let _held = (cw, sr);
                                    std::future::pending::<()>().await;
                                }
                                break;
                            }
                            n = n.min((c - before) as usize);
                        }
                        passed.fetch_add(n as u64, Ordering::Relaxed);
                        if cw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    ask.abort();
                });
            }
        });
        Proxy { url, passed }
    }

    /// Bytes passed back to clients so far (headers included).
    pub fn passed(&self) -> u64 {
        self.passed.load(Ordering::Relaxed)
    }
}
