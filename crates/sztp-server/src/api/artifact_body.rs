//! Artifact content over HTTP at constant memory: downloads fed to the client chunk by chunk from
//! the store (at most a few chunks in memory each, and a bounded number at once per endpoint),
//! uploads read frame by frame into the store and hashed on the way.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use http_body_util::BodyExt;
use hyper::body::{Frame, SizeHint};
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::restconf_errors::{ErrorTag, ErrorType};
use sztp_store::{ArtifactReader, ArtifactUpload, Store, StoreError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tracing::warn;

use crate::restconf::ErrorReply;

/// Downloads one endpoint sends at once unless its `limits/max-downloads` says otherwise.
pub(crate) const DEFAULT_MAX_DOWNLOADS: usize = 64;
/// How long a download waits for a free slot before it is told to come back (503).
const DOWNLOAD_WAIT: Duration = Duration::from_secs(30);

/// The downloads one endpoint serves at once.
#[derive(Clone, Debug)]
pub(crate) struct Downloads {
    slots: Arc<Semaphore>,
    wait: Duration,
}

impl Downloads {
    pub(crate) fn new(max: usize) -> Downloads {
        Downloads { slots: Arc::new(Semaphore::new(max.max(1))), wait: DOWNLOAD_WAIT }
    }

    /// The same limit with another wait (tests).
    #[cfg(test)]
    pub(crate) fn waiting(self, wait: Duration) -> Downloads {
        Downloads { wait, ..self }
    }

    /// A slot, held until the download ends; `None` when none freed up in time.
    pub(crate) async fn slot(&self) -> Option<OwnedSemaphorePermit> {
        tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await.ok()?.ok()
    }
}

/// A response body that reads the artifact only when the client asks for it (never for HEAD),
/// one chunk ahead of the client, and frees its download slot when done or dropped.
pub(crate) fn stream(reader: ArtifactReader, slot: Option<OwnedSemaphorePermit>) -> Body {
    let remaining = reader.remaining();
    Body::new(ChunkBody { pending: Some((reader, slot)), rx: None, remaining })
}

struct ChunkBody {
    pending: Option<(ArtifactReader, Option<OwnedSemaphorePermit>)>,
    rx: Option<mpsc::Receiver<Result<Bytes, StoreError>>>,
    remaining: u64,
}

impl hyper::body::Body for ChunkBody {
    type Data = Bytes;
    type Error = StoreError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, StoreError>>> {
        if let Some((reader, slot)) = self.pending.take() {
            let (tx, rx) = mpsc::channel(1);
            tokio::spawn(feed(reader, slot, tx));
            self.rx = Some(rx);
        }
        let Some(rx) = self.rx.as_mut() else { return Poll::Ready(None) };
        match rx.poll_recv(cx) {
            Poll::Ready(Some(Ok(data))) => {
                self.remaining = self.remaining.saturating_sub(data.len() as u64);
                Poll::Ready(Some(Ok(Frame::data(data))))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// Reads chunks into the channel until the end, an error, or the client going away.
async fn feed(
    mut reader: ArtifactReader,
    _slot: Option<OwnedSemaphorePermit>,
    tx: mpsc::Sender<Result<Bytes, StoreError>>,
) {
    loop {
        let next = match reader.next_chunk().await {
            Ok(Some(chunk)) => Ok(Bytes::from(chunk)),
            Ok(None) => return,
            Err(e) => {
                // The client sees a cut-off transfer; its length and hash checks catch it.
                warn!(error = %e, "artifact download cut off");
                Err(e)
            }
        };
        let failed = next.is_err();
        if tx.send(next).await.is_err() || failed {
            return;
        }
    }
}

/// Reads a request body of at most `limit` bytes into a new upload, waiting at most `idle` for
/// each piece; the upload and the SHA-256 of what it holds.
pub(crate) async fn receive(
    store: &Store,
    mut body: Body,
    limit: u64,
    idle: Duration,
) -> Result<(ArtifactUpload, Vec<u8>), ErrorReply> {
    let too_big = || {
        let message = format!("the artifact exceeds {limit} bytes");
        ErrorReply::new(Encoding::Json, ErrorType::Transport, ErrorTag::TooBig, message)
    };
    if hyper::body::Body::size_hint(&body).lower() > limit {
        return Err(too_big());
    }
    let mut upload = store.begin_artifact_upload().await.map_err(|e| ErrorReply::from_store(Encoding::Json, e))?;
    let mut hash = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    loop {
        let frame = match tokio::time::timeout(idle, body.frame()).await {
            Err(_) => return Err(ErrorReply::body_timeout(Encoding::Json, idle)),
            Ok(None) => break,
            Ok(Some(Err(_))) => {
                let message = "could not read the request body";
                return Err(ErrorReply::new(Encoding::Json, ErrorType::Transport, ErrorTag::MalformedMessage, message));
            }
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else { continue };
        if upload.size() + data.len() as u64 > limit {
            return Err(too_big());
        }
        hash.update(&data);
        upload.write(&data).await.map_err(|e| ErrorReply::from_store(Encoding::Json, e))?;
    }
    Ok((upload, hash.finish().as_ref().to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sztp_store::{OpenOptions, TenantId};

    async fn store() -> Store {
        Store::open("sqlite::memory:", &OpenOptions::default()).await.unwrap()
    }

    /// A body that never sends anything.
    struct Silent;

    impl hyper::body::Body for Silent {
        type Data = Bytes;
        type Error = std::convert::Infallible;
        fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            Poll::Pending
        }
    }

    #[tokio::test]
    async fn a_full_endpoint_makes_the_next_download_wait_then_refuses_it() {
        let downloads = Downloads::new(1).waiting(Duration::from_millis(20));
        let first = downloads.slot().await.expect("a free slot");
        assert!(downloads.slot().await.is_none(), "no slot while the only one is taken");
        let reply = ErrorReply::downloads_busy(Encoding::Json);
        assert_eq!((reply.status.as_u16(), reply.headers.get("retry-after").unwrap().to_str().unwrap()), (503, "10"));
        drop(first);
        assert!(downloads.slot().await.is_some(), "the slot is free again");
    }

    #[tokio::test]
    async fn uploads_over_the_limit_or_stalled_are_refused() {
        let store = store().await;
        let declared = Body::from(vec![0u8; 11]);
        let e = receive(&store, declared, 10, Duration::from_secs(5)).await.unwrap_err();
        assert_eq!(e.status.as_u16(), 413);
        let e = receive(&store, Body::new(Silent), 10, Duration::from_millis(20)).await.unwrap_err();
        assert_eq!(e.status.as_u16(), 408);

        let (upload, sha256) = receive(&store, Body::from("ten bytes!"), 10, Duration::from_secs(5)).await.unwrap();
        assert_eq!(upload.size(), 10);
        upload.finish(TenantId::DEFAULT, "ok.txt", "text/plain", &sha256).await.unwrap();
        let (meta, reader) = store.read_artifact(TenantId::DEFAULT, "ok.txt").await.unwrap().unwrap();
        let body = axum::body::to_bytes(stream(reader, None), 100).await.unwrap();
        assert_eq!((meta.size, &body[..]), (10, &b"ten bytes!"[..]));
    }
}
