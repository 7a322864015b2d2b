//! What a container network gives a service's name, for tests that run a service's replicas as
//! processes: one address whose connections are spread over the replicas, a replica that
//! refuses skipped. Compose's DNS hands out every replica's address and the HTTP client tries
//! the next when one refuses; a Kubernetes Service stops sending to a pod that is gone.
//! A connection already open to a replica that dies is cut, as it would be there. A replica
//! being stopped on purpose is withdrawn first, as Kubernetes takes a terminating pod out of
//! its Service's endpoints before the pod's preStop pause ends and SIGTERM comes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

/// A listening address in front of `backends` (ports on 127.0.0.1); serves until dropped.
pub struct Vip {
    pub port: u16,
    /// Each backend's port, and whether it is in rotation.
    backends: Arc<Vec<(u16, AtomicBool)>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Vip {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Vip {
    pub async fn start(port: u16, backends: Vec<u16>) -> Vip {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap_or_else(|e| panic!("bind the service address {port}: {e}"));
        let backends: Arc<Vec<(u16, AtomicBool)>> = Arc::new(
            backends
                .into_iter()
                .map(|port| (port, AtomicBool::new(true)))
                .collect(),
        );
        let next = Arc::new(AtomicUsize::new(0));
        let serving = backends.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let (backends, first) = (serving.clone(), next.fetch_add(1, Ordering::Relaxed));
                tokio::spawn(async move {
                    for i in 0..backends.len() {
                        let (port, in_rotation) = &backends[(first + i) % backends.len()];
                        if !in_rotation.load(Ordering::SeqCst) {
                            continue;
                        }
                        let port = *port;
                        let connect = TcpStream::connect(("127.0.0.1", port));
                        if let Ok(Ok(mut outbound)) =
                            tokio::time::timeout(Duration::from_secs(1), connect).await
                        {
                            let _ = outbound.set_nodelay(true);
                            let _ = inbound.set_nodelay(true);
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                            return;
                        }
                    }
                    // No replica takes it: the caller sees its connection closed.
                });
            }
        });
        Vip {
            port,
            backends,
            task,
        }
    }

    /// Sends no new connection to `backend` until it is restored.
    pub fn withdraw(&self, backend: u16) {
        self.set(backend, false);
    }

    pub fn restore(&self, backend: u16) {
        self.set(backend, true);
    }

    fn set(&self, backend: u16, in_rotation: bool) {
        let (_, flag) = self
            .backends
            .iter()
            .find(|(port, _)| *port == backend)
            .unwrap_or_else(|| panic!("{backend} is not behind {}", self.port));
        flag.store(in_rotation, Ordering::SeqCst);
    }
}
