//! Request bodies that are drained, not dropped, when a handler answers before reading them
//! all (401 before the body, 413 beyond a limit). Dropping an unread HTTP/2 body resets the
//! stream, and clients such as curl then report a framing error instead of the answer; so the
//! rest is read and discarded in the background, within a byte and time budget.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};

/// The most bytes read and discarded after the answer; beyond, the stream is reset.
const DRAIN_BYTES: usize = 16 * 1024 * 1024;
/// The longest a client may take to finish sending a body that was already answered.
const DRAIN_TIME: Duration = Duration::from_secs(10);

/// A request body that drains itself when dropped unread.
pub(crate) struct Draining {
    inner: Option<Incoming>,
}

impl Draining {
    pub(crate) fn new(body: Incoming) -> Self {
        Draining { inner: Some(body) }
    }
}

impl Body for Draining {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        match self.inner.as_mut() {
            Some(body) => Pin::new(body).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.as_ref().map_or_else(|| SizeHint::with_exact(0), Body::size_hint)
    }
}

impl Drop for Draining {
    fn drop(&mut self) {
        let Some(body) = self.inner.take() else { return };
        if body.is_end_stream() {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(drain(body));
        }
    }
}

async fn drain(mut body: Incoming) {
    let mut left = DRAIN_BYTES;
    let discard = async {
        while let Some(Ok(frame)) = body.frame().await {
            let Some(data) = frame.data_ref() else { continue };
            match left.checked_sub(data.len()) {
                Some(rest) => left = rest,
                None => return,
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, discard).await;
}
