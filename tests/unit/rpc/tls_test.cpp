// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The TLS flags and files (rpc/tls.hpp): which combinations are allowed, and
// the checks at start on certificates made by openssl (tests/common/tls_certs.hpp):
// a missing file, garbage, a key that does not match, a key others may read.
#include "rpc/tls.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "../../common/temp_dir.hpp"
#include "../../common/tls_certs.hpp"

namespace lightning::rpc {
namespace {

using lightning::testing::make_test_certificates;
using lightning::testing::TempDir;
using lightning::testing::TestCertificates;

void write(const std::string& path, const std::string& text, mode_t mode = 0600) {
  { std::ofstream(path) << text; }
  ::chmod(path.c_str(), mode);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool has(const Status& st, const std::string& part) {
  return st.message().find(part) != std::string::npos;
}

class TlsFilesTest : public ::testing::Test {
 protected:
  TempDir dir_;
  TestCertificates certs_ = make_test_certificates(dir_.path());
};

TEST(TlsFlagsTest, CertificateAndKeyGoTogetherOnBothSides) {
  for (TlsSide side : {TlsSide::kServer, TlsSide::kClient}) {
    const Status no_key = check_tls_flags({"c.pem", "", "ca.pem"}, side);
    EXPECT_EQ(no_key.code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(has(no_key, "--tls-cert goes with --tls-key")) << no_key.message();
    const Status no_cert = check_tls_flags({"", "k.pem", "ca.pem"}, side);
    EXPECT_TRUE(has(no_cert, "--tls-key goes with --tls-cert")) << no_cert.message();
    EXPECT_TRUE(check_tls_flags({"c.pem", "k.pem", "ca.pem"}, side).ok());
    EXPECT_TRUE(check_tls_flags({}, side).ok());
  }
}

TEST(TlsFlagsTest, TheServerNeedsACertificateTheClientACa) {
  // The controller: a CA alone serves nothing; a certificate without a CA
  // serves TLS without asking workers for theirs.
  const Status ca_only = check_tls_flags({"", "", "ca.pem"}, TlsSide::kServer);
  EXPECT_TRUE(has(ca_only, "--tls-ca goes with --tls-cert and --tls-key")) << ca_only.message();
  EXPECT_TRUE(check_tls_flags({"c.pem", "k.pem", ""}, TlsSide::kServer).ok());
  // The worker: TLS is on with a CA; a certificate without one is refused.
  EXPECT_TRUE(check_tls_flags({"", "", "ca.pem"}, TlsSide::kClient).ok());
  const Status cert_only = check_tls_flags({"c.pem", "k.pem", ""}, TlsSide::kClient);
  EXPECT_TRUE(has(cert_only, "go with --tls-ca")) << cert_only.message();
}

TEST_F(TlsFilesTest, ReadsMatchingFilesAndNamesTheSubject) {
  Result<TlsMaterial> server =
      load_tls_files({certs_.server_cert, certs_.server_key, certs_.ca}, TlsSide::kServer);
  ASSERT_TRUE(server.ok()) << server.status().message();
  EXPECT_EQ(server->cert_subject, "CN=localhost");
  EXPECT_TRUE(server->has_ca());
  EXPECT_NE(server->key_pem.find("PRIVATE KEY"), std::string::npos);
  Result<TlsMaterial> ca_only = load_tls_files({"", "", certs_.ca}, TlsSide::kClient);
  ASSERT_TRUE(ca_only.ok()) << ca_only.status().message();
  EXPECT_FALSE(ca_only->has_cert());
  EXPECT_TRUE(load_tls_files({}, TlsSide::kServer).ok());
}

TEST_F(TlsFilesTest, TheControllersCertificateNamesTheHostsWorkersDialOnly) {
  // The test server certificate: subjectAltName IP:127.0.0.1, DNS:localhost.
  const std::string pem = read_file(certs_.server_cert);
  EXPECT_TRUE(certificate_names_host(pem, "127.0.0.1"));
  EXPECT_TRUE(certificate_names_host(pem, "localhost"));
  EXPECT_FALSE(certificate_names_host(pem, "vm")) << "the hostname, advertised by default";
  EXPECT_FALSE(certificate_names_host(pem, "10.0.0.1"));
  EXPECT_FALSE(certificate_names_host("not a certificate", "localhost"));
}

TEST_F(TlsFilesTest, AMissingFileIsNotFoundNamingTheFlagAndTheFile) {
  const std::string missing = dir_ / "nope.pem";
  Result<TlsMaterial> r = load_tls_files({missing, certs_.server_key, certs_.ca}, TlsSide::kServer);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(has(r.status(), "--tls-cert " + missing + ": cannot read it"))
      << r.status().message();
  Result<TlsMaterial> no_ca = load_tls_files({"", "", missing}, TlsSide::kClient);
  EXPECT_TRUE(has(no_ca.status(), "--tls-ca " + missing)) << no_ca.status().message();
}

TEST_F(TlsFilesTest, GarbageIsNotPem) {
  const std::string garbage = dir_ / "garbage.pem";
  write(garbage, "not a certificate\n-----BEGIN CERTIFICATE-----\nbroken\n");
  Result<TlsMaterial> cert = load_tls_files({garbage, certs_.server_key, ""}, TlsSide::kServer);
  ASSERT_FALSE(cert.ok());
  EXPECT_EQ(cert.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(has(cert.status(), "--tls-cert " + garbage + " holds no PEM certificate"))
      << cert.status().message();
  Result<TlsMaterial> ca = load_tls_files({"", "", garbage}, TlsSide::kClient);
  EXPECT_TRUE(has(ca.status(), "--tls-ca " + garbage + " holds no PEM certificate"))
      << ca.status().message();
  Result<TlsMaterial> key = load_tls_files({certs_.server_cert, garbage, ""}, TlsSide::kServer);
  ASSERT_FALSE(key.ok());
  EXPECT_TRUE(has(key.status(), "--tls-key " + garbage + " holds no unencrypted PEM private key"))
      << key.status().message();
  // A certificate given as the key is no key either.
  const std::string cert_as_key = dir_ / "cert-as-key.pem";
  {
    std::ifstream in(certs_.server_cert);
    write(cert_as_key, std::string(std::istreambuf_iterator<char>(in), {}));
  }
  EXPECT_FALSE(load_tls_files({certs_.server_cert, cert_as_key, ""}, TlsSide::kServer).ok());
}

TEST_F(TlsFilesTest, AKeyThatDoesNotMatchTheCertificateIsRefused) {
  Result<TlsMaterial> r =
      load_tls_files({certs_.server_cert, certs_.worker_key, certs_.ca}, TlsSide::kServer);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(has(r.status(), "--tls-key " + certs_.worker_key +
                                  " does not match the certificate in --tls-cert " +
                                  certs_.server_cert + " (CN=localhost)"))
      << r.status().message();
}

TEST_F(TlsFilesTest, AKeyOthersMayReadIsRefusedAndItsContentNeverShown) {
  ::chmod(certs_.worker_key.c_str(), 0644);
  Result<TlsMaterial> r =
      load_tls_files({certs_.worker_cert, certs_.worker_key, certs_.ca}, TlsSide::kClient);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(has(r.status(), "--tls-key " + certs_.worker_key + " has mode 644"))
      << r.status().message();
  EXPECT_TRUE(has(r.status(), "chmod 600 " + certs_.worker_key)) << r.status().message();
  EXPECT_FALSE(has(r.status(), "PRIVATE KEY"));
  ::chmod(certs_.worker_key.c_str(), 0640);
  EXPECT_FALSE(
      load_tls_files({certs_.worker_cert, certs_.worker_key, certs_.ca}, TlsSide::kClient).ok());
  // Certificates are public: any mode.
  ::chmod(certs_.worker_key.c_str(), 0600);
  ::chmod(certs_.worker_cert.c_str(), 0644);
  EXPECT_TRUE(
      load_tls_files({certs_.worker_cert, certs_.worker_key, certs_.ca}, TlsSide::kClient).ok());
}

// A self-signed certificate and key that expired yesterday (the openssl tool
// of Debian 12 cannot date one in the past), written as PEM.
void write_expired(const std::string& cert_path, const std::string& key_path) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  ASSERT_NE(key, nullptr);
  ASSERT_NE(cert, nullptr);
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 7);
  X509_gmtime_adj(X509_getm_notBefore(cert), -172800);  // two days ago
  X509_gmtime_adj(X509_getm_notAfter(cert), -86400);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("expired"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_set_pubkey(cert, key);
  ASSERT_GT(X509_sign(cert, key, EVP_sha256()), 0);
  FILE* c = std::fopen(cert_path.c_str(), "w");
  FILE* k = std::fopen(key_path.c_str(), "w");
  ASSERT_TRUE(c != nullptr && k != nullptr);
  PEM_write_X509(c, cert);
  PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(c);
  std::fclose(k);
  ::chmod(key_path.c_str(), 0600);
  X509_free(cert);
  EVP_PKEY_free(key);
}

TEST_F(TlsFilesTest, AnExpiredCertificateIsRefusedWithItsDate) {
  const std::string cert = dir_ / "expired.pem";
  const std::string key = dir_ / "expired.key";
  write_expired(cert, key);
  Result<TlsMaterial> r = load_tls_files({cert, key, ""}, TlsSide::kServer);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(has(r.status(), "--tls-cert " + cert + ": the certificate (CN=expired) expired on "))
      << r.status().message();
  // As the only CA: refused too; beside a valid one (a bundle): accepted.
  EXPECT_FALSE(load_tls_files({"", "", cert}, TlsSide::kClient).ok());
  const std::string bundle = dir_ / "bundle.pem";
  {
    std::ifstream expired(cert);
    std::ifstream good(certs_.ca);
    write(bundle,
          std::string(std::istreambuf_iterator<char>(expired), {}) +
              std::string(std::istreambuf_iterator<char>(good), {}),
          0644);
  }
  EXPECT_TRUE(load_tls_files({"", "", bundle}, TlsSide::kClient).ok());
}

TEST(TlsClientTest, AWorksTlsComesFromItsLaunchRequest) {
  v1::LaunchWorkRequest plain;
  EXPECT_FALSE(work_client_tls(plain).enabled);
  v1::LaunchWorkRequest tls;
  tls.mutable_controller_tls()->set_ca_pem("PEM");
  tls.mutable_controller_tls()->set_server_name("head");
  const ClientTls c = work_client_tls(tls);
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.ca_pem, "PEM");
  EXPECT_EQ(c.server_name, "head");
  EXPECT_TRUE(c.cert_pem.empty());
  // Set but empty: TLS with the system's roots.
  v1::LaunchWorkRequest system_roots;
  system_roots.mutable_controller_tls();
  EXPECT_TRUE(work_client_tls(system_roots).enabled);
}

}  // namespace
}  // namespace lightning::rpc
