// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// TLS between the controller and whatever dials it in a cluster run (issue 11
// point 7; docs/design/cluster.md, "TLS"): the PEM files given on a command
// line, read and checked once at start; the server's credentials; and the one
// helper that every client of the controller builds its channel with
// (lightning-worker, the work processes, their storage client).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "lightning/v1/launch.pb.h"
#include "util/status.hpp"

namespace lightning::rpc {

/// The TLS flags of one side, as given (paths; empty: not given).
struct TlsFiles {
  std::string cert;  ///< --tls-cert: this side's certificate, PEM (its chain may follow it)
  std::string key;   ///< --tls-key: the certificate's private key, unencrypted PEM, mode 0600
  std::string ca;    ///< --tls-ca: the CA certificate(s), PEM, the other side's must chain to
  bool any() const { return !cert.empty() || !key.empty() || !ca.empty(); }
};

/// Which side the flags are for: the rules of check_tls_flags differ.
enum class TlsSide {
  kServer,  ///< the app's controller: cert + key serve TLS; ca asks workers for theirs
  kClient,  ///< lightning-worker: ca turns TLS on; cert + key answer the app's ca
};

/// The combinations allowed, without touching the files. Both sides:
/// --tls-cert and --tls-key go together. kServer: --tls-ca needs --tls-cert
/// (a controller with no certificate serves no TLS). kClient: --tls-cert
/// needs --tls-ca (TLS is on when the worker can check the controller).
/// Errors: kInvalidArgument naming the flags.
Status check_tls_flags(const TlsFiles& files, TlsSide side);

/// What the files hold, checked. Never log key_pem.
struct TlsMaterial {
  std::string cert_pem;  ///< empty when no --tls-cert
  std::string key_pem;
  std::string ca_pem;  ///< empty when no --tls-ca
  /// The certificate's subject, one line in RFC 2253 form ("CN=node1,O=ml"), for logs.
  std::string cert_subject;
  bool has_cert() const { return !cert_pem.empty(); }
  bool has_ca() const { return !ca_pem.empty(); }
};

/// Reads and checks what `files` names, with OpenSSL's PEM reader: the
/// certificate and CA files hold at least one PEM certificate each, the key
/// file an unencrypted PEM private key that the certificate's public key
/// matches (X509_check_private_key); a certificate past its notAfter is
/// refused (for --tls-ca: when every certificate in it is). The key file must be a regular file
/// that neither group nor others may read or write (mode & 077 == 0), as the worker token file.
/// Each file is at most 1 MiB. check_tls_flags() is applied first. Errors name the flag and the
/// file, never the key's content: kNotFound (no such file), kFailedPrecondition (mode, expired),
/// kInvalidArgument (not PEM, key and certificate do not match), kInternal (errno's text).
Result<TlsMaterial> load_tls_files(const TlsFiles& files, TlsSide side);

/// Whether the PEM certificate `cert_pem` names `host` (a DNS name, matched
/// against its subjectAltName DNS entries with wildcards, else its CN, as
/// OpenSSL's X509_check_host does; or an IP address, against its IP entries:
/// X509_check_ip_asc), as a client dialling `host` checks it (RFC 6125).
/// False for an unreadable certificate.
bool certificate_names_host(const std::string& cert_pem, const std::string& host);

/// The server's credentials: plain (insecure) when `tls` is null; else TLS
/// with the certificate and key, and with a CA, GRPC_SSL_REQUEST_CLIENT_
/// CERTIFICATE_AND_VERIFY: a client that presents a certificate must chain
/// to the CA, one that presents none still connects (work processes, which
/// prove themselves with the run's token; the WorkerPool asks more).
std::shared_ptr<grpc::ServerCredentials> server_credentials(const TlsMaterial* tls);

/// How a client dials the controller.
struct ClientTls {
  bool enabled = false;  ///< false: a plain channel; the rest is ignored
  /// PEM roots the controller's certificate must chain to; empty: the
  /// system's (gRPC's default roots).
  std::string ca_pem;
  std::string cert_pem;  ///< this client's certificate (mutual TLS); empty: none
  std::string key_pem;
  /// The name checked in the controller's certificate when it differs from
  /// the host dialled (GRPC_SSL_TARGET_NAME_OVERRIDE_ARG); empty: the host.
  std::string server_name;
};

/// The one way every client of the controller makes its channel:
/// `grpc::CreateCustomChannel(address, creds, args)` with plain credentials
/// when `tls.enabled` is false (unchanged from before TLS), else SSL
/// credentials from `tls` and, with a server_name, the target-name override
/// added to `args`.
std::shared_ptr<grpc::Channel> controller_channel(const std::string& address, const ClientTls& tls,
                                                  grpc::ChannelArguments args);

/// A work process's TLS to the controller, from its LaunchWorkRequest:
/// enabled when `controller_tls` is set (ca_pem and server_name from it).
ClientTls work_client_tls(const v1::LaunchWorkRequest& request);

/// The name of the certificate a TLS peer presented and gRPC verified
/// (`context.auth_context()`): its common name, else its first subject
/// alternative name; empty when the peer is not authenticated (no
/// certificate, or a plain channel).
std::string verified_peer_name(const grpc::ServerContextBase& context);

}  // namespace lightning::rpc
