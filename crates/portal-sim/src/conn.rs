//! Test-only: connections a fault can drop without an answer, as a network does — a reset
//! in the middle of an upload, or an answer lost after the work was done. Each accepted
//! connection gets a switch ([`Conn`], in the request's `ConnectInfo`); once it is thrown,
//! every read and write of that connection fails, so hyper closes it without a response.

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A listener whose connections can be dropped.
#[derive(Debug)]
pub struct Droppable<L>(pub L);

/// The switch of one connection.
#[derive(Debug, Clone, Default)]
pub struct Conn {
    dropped: Arc<AtomicBool>,
}

impl Conn {
    /// Drops the connection: nothing more is read or written on it.
    pub fn drop_now(&self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

/// A connection that fails every read and write once its switch is thrown.
#[derive(Debug)]
pub struct DropIo<Io> {
    io: Io,
    dropped: Arc<AtomicBool>,
}

impl<Io> DropIo<Io> {
    fn gone(&self) -> Option<io::Error> {
        self.dropped
            .load(Ordering::SeqCst)
            .then(|| io::Error::from(io::ErrorKind::ConnectionReset))
    }
}

impl<Io: AsyncRead + Unpin> AsyncRead for DropIo<Io> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(e) = self.gone() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<Io: AsyncWrite + Unpin> AsyncWrite for DropIo<Io> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(e) = self.gone() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(e) = self.gone() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

impl<L: Listener> Listener for Droppable<L> {
    type Io = DropIo<L::Io>;
    type Addr = Conn;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, _) = self.0.accept().await;
        let conn = Conn::default();
        let io = DropIo {
            io,
            dropped: conn.dropped.clone(),
        };
        (io, conn)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr().map(|_| Conn::default())
    }
}

impl<L: Listener> Connected<IncomingStream<'_, Droppable<L>>> for Conn {
    fn connect_info(stream: IncomingStream<'_, Droppable<L>>) -> Self {
        stream.remote_addr().clone()
    }
}
