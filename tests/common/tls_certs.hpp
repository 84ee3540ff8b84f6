// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Certificates for the TLS tests, made by the `openssl` command-line tool
// (Debian's openssl package) in a directory of the test's: a CA; a server
// certificate for `localhost` (SAN IP:127.0.0.1, DNS:localhost) signed by it;
// a worker's client certificate signed by it; and a second, unrelated CA with
// a client certificate of its own. EC P-256 keys, unencrypted (-nodes), mode
// 0600 as openssl writes them: about 0.1 s in all. Shared by the unit tests
// (tests/unit/rpc/tls_test.cpp) and the integration tests (cluster_test.cpp),
// hence in tests/common/ rather than tests/integration/.
#pragma once

#include <stdexcept>
#include <string>

#include "util/subprocess.hpp"

namespace lightning::testing {

/// The files make_test_certificates() wrote (absolute paths).
struct TestCertificates {
  std::string ca;  ///< the run's CA certificate
  /// CN=localhost, SAN IP:127.0.0.1 and DNS:localhost; serverAuth and clientAuth, as the
  /// Slurm guide makes it (a `--cluster slurm` app's workers present it too).
  std::string server_cert;
  std::string server_key;
  std::string worker_cert;  ///< CN=worker-1, clientAuth, signed by `ca`
  std::string worker_key;
  std::string other_ca;    ///< an unrelated CA
  std::string other_cert;  ///< CN=intruder, clientAuth, signed by `other_ca`
  std::string other_key;
};

/// Writes the certificates into `dir` (which must exist). Throws
/// std::runtime_error with openssl's output when it fails.
inline TestCertificates make_test_certificates(const std::string& dir) {
  static const char* const kScript = R"(set -e
cd "$1"
K="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' > server.ext
printf 'extendedKeyUsage=clientAuth\n' > client.ext
openssl req -x509 $K -keyout ca.key -out ca.pem -subj "/CN=Lightning test CA" -days 2
openssl req -new $K -keyout server.key -out server.csr -subj "/CN=localhost"
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 2 \
  -extfile server.ext -out server.pem
openssl req -new $K -keyout worker.key -out worker.csr -subj "/CN=worker-1"
openssl x509 -req -in worker.csr -CA ca.pem -CAkey ca.key -set_serial 3 -days 2 \
  -extfile client.ext -out worker.pem
openssl req -x509 $K -keyout other-ca.key -out other-ca.pem -subj "/CN=Other CA" -days 2
openssl req -new $K -keyout other.key -out other.csr -subj "/CN=intruder"
openssl x509 -req -in other.csr -CA other-ca.pem -CAkey other-ca.key -set_serial 4 -days 2 \
  -extfile client.ext -out other.pem
chmod 600 ca.key server.key worker.key other-ca.key other.key
)";
  const Result<util::CommandResult> r = util::run_command({"/bin/sh", "-c", kScript, "sh", dir});
  if (!r.ok()) throw std::runtime_error("cannot run openssl: " + r.status().message());
  if (!r->succeeded()) {
    throw std::runtime_error(
        "openssl failed to make the test certificates (is the openssl "
        "package installed?): " +
        r->err + r->out);
  }
  const std::string d = dir + "/";
  return {d + "ca.pem",     d + "server.pem",   d + "server.key", d + "worker.pem",
          d + "worker.key", d + "other-ca.pem", d + "other.pem",  d + "other.key"};
}

}  // namespace lightning::testing
