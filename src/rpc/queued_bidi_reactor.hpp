// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The server side of a long-lived bidirectional stream (gRPC callback API):
// one read at a time, each message handed on; a queue of writes with one in
// flight; finish once the queue has drained. Used by the controller's
// Connect stream (rpc::ControllerService) and the workers' Join stream
// (cluster::WorkerPoolService); docs/design/processes-and-threads.md.
#pragma once

#include <grpcpp/grpcpp.h>

#include <deque>
#include <mutex>
#include <utility>

namespace lightning::rpc {

/// Where a stream's outgoing messages go: a QueuedBidiReactor, or a fake in
/// unit tests and fuzzers. Both calls may come from any thread.
template <class Out>
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  /// Queues `msg` on the stream; dropped once finish() was called or a
  /// write failed.
  virtual void write(Out msg) = 0;
  /// Ends the stream with `status` once the queued messages are written.
  /// Only the first call counts.
  virtual void finish(const grpc::Status& status) = 0;
};

/// A session's handle on its stream's writer: write() and finish() go to
/// the writer until detach(), and are dropped after. Thread-safe: `mu_`
/// guards the pointer and is held while the writer is called, so detach()
/// (from the reactor's OnDone, just before the writer is deleted) waits for
/// a write or finish in progress. Used by rpc::WorkSession and
/// cluster::JoinSession.
template <class Out>
class DetachableWriter {
 public:
  /// `writer` (not owned; null: everything is dropped) must outlive this
  /// object or be detached first.
  explicit DetachableWriter(StreamWriter<Out>* writer) : writer_(writer) {}
  DetachableWriter(const DetachableWriter&) = delete;
  DetachableWriter& operator=(const DetachableWriter&) = delete;

  /// Takes `msg` by reference so that it is moved once, into the writer.
  void write(Out&& msg) {
    std::lock_guard<std::mutex> lock(mu_);
    if (writer_ != nullptr) writer_->write(std::move(msg));
  }
  void finish(const grpc::Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    if (writer_ != nullptr) writer_->finish(status);
  }
  void detach() {
    std::lock_guard<std::mutex> lock(mu_);
    writer_ = nullptr;
  }

 private:
  std::mutex mu_;                        // guards writer_
  StreamWriter<Out>* writer_ = nullptr;  // null once detached
};

/// The logic shared by the server reactors of our long-lived bidi streams:
/// a read loop, a write queue and finish-after-drain. `Derived` (CRTP, a
/// `final` class) says what to do with what is read and when the stream
/// ends; it must provide
///
///   void on_read(In&& msg);   // a message was read (move it out)
///   void on_done();           // OnDone: detach from the session and post
///                             // "closed"; `this` is deleted right after
///
/// and may provide
///
///   void on_reads_done();     // the peer half-closed (or the call ended)
///                             // before all reads; after finish(OK)
///
/// Example:
///
///   class JoinReactor final
///       : public QueuedBidiReactor<JoinReactor, v1::WorkerReport, v1::WorkerCommand> {
///    public:
///     explicit JoinReactor(Service& s) : service_(s), session_(make_session(this)) {}
///     void on_read(v1::WorkerReport&& r) { service_.post_report(session_, std::move(r)); }
///     void on_done() { session_->detach_writer(); service_.post_closed(session_); }
///     ...
///   };
///   // in the service's method handler: return new JoinReactor(*this);
///
/// Ownership: created with `new` in the service's method handler and
/// returned to gRPC, which owns it; it deletes itself at the end of
/// OnDone(). Whatever holds it as a StreamWriter (the session) must stop
/// using it in on_done() (detach the writer under the session's lock).
///
/// Threading: gRPC's callback threads call OnReadDone, OnWriteDone and
/// OnDone; write() and finish() come from any thread (in practice the
/// owner's event loop, through the session). Reads are never concurrent
/// with each other (the next is started at the end of OnReadDone), so
/// `in_` needs no lock, and on_read() is called for the messages in the
/// order they were read, never concurrently; on_reads_done() after the last
/// on_read(), on_done() after everything else. `mu_` guards the write queue
/// and the finish state; Finish() and StartWrite() are called with it held,
/// which is how one write is in flight at a time and Finish() follows the
/// last write. The hooks are called without it.
///
/// Statuses: finish(status) ends the stream with `status` after the queue
/// drains; a failed write drops the queue and finishes with UNAVAILABLE
/// "write failed" (unless a finish was requested already, whose status
/// stands); the end of reads requests finish(OK), which an earlier finish()
/// overrides.
template <class Derived, class In, class Out>
class QueuedBidiReactor : public grpc::ServerBidiReactor<In, Out>, public StreamWriter<Out> {
 public:
  QueuedBidiReactor(const QueuedBidiReactor&) = delete;
  QueuedBidiReactor& operator=(const QueuedBidiReactor&) = delete;

  void write(Out msg) final {
    std::lock_guard<std::mutex> lock(mu_);
    if (finish_requested_) return;
    out_.push_back(std::move(msg));
    if (!writing_) {
      writing_ = true;
      this->StartWrite(&out_.front());
    }
  }

  void finish(const grpc::Status& status) final {
    std::lock_guard<std::mutex> lock(mu_);
    if (finish_requested_) return;
    finish_requested_ = true;
    finish_status_ = status;
    if (!writing_) finish_locked();
  }

  void OnReadDone(bool ok) final {
    if (!ok) {
      finish(grpc::Status::OK);
      derived().on_reads_done();
      return;
    }
    derived().on_read(std::move(in_));
    in_.Clear();
    this->StartRead(&in_);
  }

  void OnWriteDone(bool ok) final {
    std::lock_guard<std::mutex> lock(mu_);
    out_.pop_front();
    if (ok && !out_.empty()) {
      this->StartWrite(&out_.front());
      return;
    }
    writing_ = false;
    if (!ok) {
      out_.clear();
      if (!finish_requested_) {
        finish_requested_ = true;
        finish_status_ = grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed");
      }
    }
    if (finish_requested_) finish_locked();
  }

  void OnDone() final {
    derived().on_done();
    delete static_cast<Derived*>(this);
  }

 protected:
  /// Starts the first read. gRPC holds it (and any write or finish) until
  /// the method handler has returned the reactor, so `Derived`'s members are
  /// constructed before any hook runs.
  QueuedBidiReactor() { this->StartRead(&in_); }
  ~QueuedBidiReactor() override = default;

  /// Default: nothing.
  void on_reads_done() {}

 private:
  Derived& derived() { return static_cast<Derived&>(*this); }

  void finish_locked() {  // mu_ held
    if (finished_) return;
    finished_ = true;
    this->Finish(finish_status_);
  }

  In in_;                // the read in flight; only touched by the read loop
  std::mutex mu_;        // guards out_, writing_ and the finish state below
  std::deque<Out> out_;  // out_.front() is being written while writing_
  bool writing_ = false;
  bool finish_requested_ = false;
  bool finished_ = false;  // Finish() was called
  grpc::Status finish_status_;
};

}  // namespace lightning::rpc
