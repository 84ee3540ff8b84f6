// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "rpc/tls.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include "rpc/openssl_ptr.hpp"
#include "util/unique_fd.hpp"

namespace lightning::rpc {
namespace {

constexpr size_t kMaxPemFile = size_t{1} << 20;

// The file's content (at most kMaxPemFile bytes). `private_file`: refused
// unless only its owner may read or write it.
Result<std::string> read_pem_file(const std::string& flag, const std::string& path,
                                  bool private_file) {
  const std::string what = flag + " " + path;
  const util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    const std::string why = what + ": cannot read it: " + std::strerror(err);
    return err == ENOENT ? NotFound(why) : Internal(why);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return Internal(what + ": cannot stat it: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return FailedPrecondition(what + " is not a file");
  if (private_file && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
    return FailedPrecondition(what + " has mode " + mode +
                              ": others may read the private key; refusing to use it (chmod 600 " +
                              path + ")");
  }
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal(what + ": cannot read it: " + std::strerror(errno));
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxPemFile) {
      return InvalidArgument(what + " is larger than 1 MiB: not a PEM certificate or key");
    }
  }
  return text;
}

// The certificates in `pem`, in order (none when it holds none).
std::vector<X509Ptr> read_certificates(const std::string& pem) {
  std::vector<X509Ptr> out;
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return out;
  for (;;) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    out.push_back(std::move(cert));
  }
  ERR_clear_error();  // the end of the file reads as an error
  return out;
}

// A password callback that gives none: an encrypted key fails instead of
// OpenSSL prompting on the terminal.
int no_password(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; }

std::string subject_of(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return "";
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);  // NOLINT(google-runtime-int): OpenSSL's type
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : "";
}

// Refuses a certificate past its notAfter (its date in the message).
Status check_not_expired(const std::string& what, X509* cert) {
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) > 0) return Status::Ok();
  BioPtr bio(BIO_new(BIO_s_mem()));
  std::string when;
  if (bio && ASN1_TIME_print(bio.get(), X509_get0_notAfter(cert)) == 1) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);  // NOLINT(google-runtime-int)
    if (n > 0) when = " on " + std::string(data, static_cast<size_t>(n));
  }
  return FailedPrecondition(what + ": the certificate (" + subject_of(cert) + ") expired" + when);
}

}  // namespace

Status check_tls_flags(const TlsFiles& files, TlsSide side) {
  if (files.cert.empty() != files.key.empty()) {
    return InvalidArgument(std::string(files.cert.empty() ? "--tls-key" : "--tls-cert") +
                           " goes with " + (files.cert.empty() ? "--tls-cert" : "--tls-key") +
                           ": give the certificate and its private key together");
  }
  if (side == TlsSide::kServer && !files.ca.empty() && files.cert.empty()) {
    return InvalidArgument(
        "--tls-ca goes with --tls-cert and --tls-key: the controller needs its own certificate "
        "to serve TLS (--tls-ca then asks workers for certificates signed by that CA)");
  }
  if (side == TlsSide::kClient && !files.cert.empty() && files.ca.empty()) {
    return InvalidArgument(
        "--tls-cert and --tls-key go with --tls-ca: the worker dials over TLS only when it can "
        "check the controller's certificate against a CA");
  }
  return Status::Ok();
}

Result<TlsMaterial> load_tls_files(const TlsFiles& files, TlsSide side) {
  if (Status st = check_tls_flags(files, side); !st.ok()) return st;
  TlsMaterial out;
  if (!files.ca.empty()) {
    Result<std::string> ca = read_pem_file("--tls-ca", files.ca, false);
    if (!ca.ok()) return ca.status();
    const std::vector<X509Ptr> roots = read_certificates(*ca);
    if (roots.empty()) {
      return InvalidArgument("--tls-ca " + files.ca +
                             " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    // A bundle (the system's, say) may hold an expired root among good ones:
    // refused only when none is valid any more.
    Status expired;
    for (const X509Ptr& root : roots) {
      expired = check_not_expired("--tls-ca " + files.ca, root.get());
      if (expired.ok()) break;
    }
    if (!expired.ok()) return expired;
    out.ca_pem = std::move(*ca);
  }
  if (files.cert.empty()) return out;

  Result<std::string> cert = read_pem_file("--tls-cert", files.cert, false);
  if (!cert.ok()) return cert.status();
  const std::vector<X509Ptr> chain = read_certificates(*cert);
  if (chain.empty()) {
    return InvalidArgument("--tls-cert " + files.cert +
                           " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  }
  if (Status st = check_not_expired("--tls-cert " + files.cert, chain.front().get()); !st.ok()) {
    return st;
  }
  Result<std::string> key = read_pem_file("--tls-key", files.key, true);
  if (!key.ok()) return key.status();
  PkeyPtr pkey;
  {
    BioPtr bio(BIO_new_mem_buf(key->data(), static_cast<int>(key->size())));
    if (bio) pkey.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
    ERR_clear_error();
  }
  if (!pkey) {
    return InvalidArgument(
        "--tls-key " + files.key +
        " holds no unencrypted PEM private key (-----BEGIN PRIVATE KEY-----; an encrypted key "
        "is not supported: `openssl pkey -in KEY -out NEW_KEY` writes it unencrypted)");
  }
  if (X509_check_private_key(chain.front().get(), pkey.get()) != 1) {
    ERR_clear_error();
    return InvalidArgument(
        "--tls-key " + files.key + " does not match the certificate in --tls-cert " + files.cert +
        " (" + subject_of(chain.front().get()) + "): give the key the certificate was made for");
  }
  out.cert_subject = subject_of(chain.front().get());
  out.cert_pem = std::move(*cert);
  out.key_pem = std::move(*key);
  return out;
}

std::shared_ptr<grpc::ServerCredentials> server_credentials(const TlsMaterial* tls) {
  if (tls == nullptr || !tls->has_cert()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(tls->has_ca()
                                                ? GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY
                                                : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_root_certs = tls->ca_pem;
  options.pem_key_cert_pairs.push_back({tls->key_pem, tls->cert_pem});
  return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::Channel> controller_channel(const std::string& address, const ClientTls& tls,
                                                  grpc::ChannelArguments args) {
  if (!tls.enabled) {
    return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  }
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = tls.ca_pem;
  options.pem_cert_chain = tls.cert_pem;
  options.pem_private_key = tls.key_pem;
  if (!tls.server_name.empty()) args.SetSslTargetNameOverride(tls.server_name);
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(options), args);
}

ClientTls work_client_tls(const v1::LaunchWorkRequest& request) {
  ClientTls tls;
  if (!request.has_controller_tls()) return tls;
  tls.enabled = true;
  tls.ca_pem = request.controller_tls().ca_pem();
  tls.server_name = request.controller_tls().server_name();
  return tls;
}

std::string verified_peer_name(const grpc::ServerContextBase& context) {
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (!auth || !auth->IsPeerAuthenticated()) return "";
  for (const char* property : {GRPC_X509_CN_PROPERTY_NAME, GRPC_X509_SAN_PROPERTY_NAME}) {
    const std::vector<grpc::string_ref> values = auth->FindPropertyValues(property);
    if (!values.empty()) return std::string(values.front().data(), values.front().size());
  }
  // Authenticated, with neither name: still a verified certificate.
  return "(a certificate with no common name)";
}

bool certificate_names_host(const std::string& cert_pem, const std::string& host) {
  const std::vector<X509Ptr> certs = read_certificates(cert_pem);
  if (certs.empty()) return false;
  std::string name = host;
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
  }
  X509* cert = certs.front().get();  // the leaf; the rest is its chain
  const bool named = X509_check_ip_asc(cert, name.c_str(), 0) == 1 ||
                     X509_check_host(cert, name.data(), name.size(), 0, nullptr) == 1;
  ERR_clear_error();
  return named;
}

}  // namespace lightning::rpc
