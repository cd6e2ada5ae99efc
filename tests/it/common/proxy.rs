//! A TCP proxy in front of a gateway, on loopback: counts the bytes it
//! passes back, and once it has passed so many can cut every connection (a
//! peer whose kubo stops midway), hold them all silent (a link gone quiet),
//! or drop them for a moment and then pass again (a link that blips).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct Proxy {
    pub url: String,
    passed: Arc<AtomicU64>,
}

/// What the proxy does once it has passed its bytes.
#[derive(Clone, Copy)]
enum After {
    Cut,
    Stall,
    /// Closes everything, refuses for this long, then passes for good.
    Blip(Duration),
}

impl Proxy {
    /// A proxy to `upstream` (`http://127.0.0.1:PORT`) that stops passing
    /// anything once `cut_after` bytes have gone back (None: never),
    /// closing every connection.
    pub async fn start(upstream: &str, cut_after: Option<u64>) -> Proxy {
        Proxy::run(upstream, cut_after, After::Cut).await
    }

    /// One that, after `after` bytes, holds every connection open and
    /// passes nothing more: a link gone quiet, for a stop to come midway.
    pub async fn stalling(upstream: &str, after: u64) -> Proxy {
        Proxy::run(upstream, Some(after), After::Stall).await
    }

    /// One that, after `after` bytes, closes every connection and refuses
    /// new ones for `down`, then passes again.
    pub async fn blip(upstream: &str, after: u64, down: Duration) -> Proxy {
        Proxy::run(upstream, Some(after), After::Blip(down)).await
    }

    async fn run(upstream: &str, limit: Option<u64>, after: After) -> Proxy {
        let up = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        let passed = Arc::new(AtomicU64::new(0));
        let cut_at: Arc<Mutex<Option<Instant>>> = Arc::new(Mutex::new(None));
        let p2 = passed.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = l.accept().await {
                let (up, passed, cut_at) = (up.clone(), p2.clone(), cut_at.clone());
                tokio::spawn(async move {
                    let over = limit.is_some_and(|c| passed.load(Ordering::Relaxed) >= c);
                    match after {
                        After::Stall if over => {
                            let _held = client;
                            std::future::pending::<()>().await;
                            return;
                        }
                        After::Cut if over => return, // gone: closes at once
                        After::Blip(down) => {
                            let at = *cut_at.lock().unwrap();
                            if at.is_some_and(|t| t.elapsed() < down) {
                                return;
                            }
                        }
                        _ => {}
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
                        let mut n = match sr.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        if let Some(c) = limit {
                            let before = passed.load(Ordering::Relaxed);
                            if before >= c {
                                match after {
                                    After::Stall => {
                                        let _held = (cw, sr);
                                        std::future::pending::<()>().await;
                                        break;
                                    }
                                    After::Cut => break,
                                    After::Blip(down) => {
                                        let mut at = cut_at.lock().unwrap();
                                        match *at {
                                            None => {
                                                *at = Some(Instant::now());
                                                break;
                                            }
                                            Some(t) if t.elapsed() < down => break,
                                            Some(_) => {} // healed
                                        }
                                    }
                                }
                            } else if !matches!(after, After::Blip(_))
                                || cut_at.lock().unwrap().is_none()
                            {
                                n = n.min((c - before) as usize);
                            }
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
