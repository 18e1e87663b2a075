// Throwaway TLS material for tests, generated at test time with the openssl command-line tool:
// a test CA and a server certificate it signed (for the reference server's --tls-cert/--tls-key
// and the harness's --cacert), plus an unrelated CA and an expired server certificate for the
// "unknown issuer" and "expired" cases. Nothing here is secret or committed; everything lives in
// a directory the test owns. Header-only so the unit, CLI and self-check tests can all use it.
#pragma once

#include "drivers/subprocess.h"

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace conformance::testing_tools {

// The openssl binary: OPENSSL_BIN when the build found one, else whatever PATH offers.
inline std::string openssl_binary() {
#ifdef OPENSSL_BIN
  return OPENSSL_BIN;
#else
  return "openssl";
#endif
}

// Whether openssl can be run at all; tests GTEST_SKIP without it.
inline bool openssl_available() {
  try {
    return run_process({openssl_binary(), "version"}, std::chrono::seconds(10)).exit_code == 0;
  } catch (const std::exception&) {
    return false;
  }
}

// A fresh, uniquely named directory under the system temp directory, removed with everything in
// it when the object goes away.
class ScratchDir {
public:
  explicit ScratchDir(const std::string& prefix = "conformance-test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (!::mkdtemp(pattern.data()))
      throw std::runtime_error("cannot create a temporary directory from " + pattern);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

// Paths of the generated files, all PEM, all inside the directory given to make_test_pki.
struct TlsFixture {
  std::string ca_cert;     // the test CA (CA:TRUE, self-signed): what a client trusts
  std::string ca_key;      // its key, for tests that sign more certificates
  std::string server_cert; // signed by ca_cert, DNS:<each name> and IP:127.0.0.1, valid a few days
  std::string server_key;  // the key of server_cert and of expired_server_cert, unencrypted
  // A second self-signed CA that signed nothing here: trusting only it, server_cert has an
  // unknown issuer.
  std::string other_ca_cert;
  // server_cert's names and key, signed by ca_cert, but valid only for a day in January 2020.
  std::string expired_server_cert;
};

namespace tls_fixture_detail {

inline void run_openssl(const std::vector<std::string>& args, const std::string& dir) {
  std::vector<std::string> argv = {openssl_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  // A stray OPENSSL_CONF must not change what gets generated; every command names the file
  // make_test_pki writes.
  ProcessOptions options;
  options.environment = {{"OPENSSL_CONF", dir + "/pki.cnf"}};
  ProcessResult result = run_process(argv, std::chrono::seconds(60), options);
  if (result.exit_code != 0) {
    std::string command;
    for (const std::string& arg : argv)
      command += (command.empty() ? "" : " ") + arg;
    throw std::runtime_error("make_test_pki: `" + command + "` failed (exit " +
                             std::to_string(result.exit_code) + "): " + result.err);
  }
}

inline void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("make_test_pki: cannot write " + path);
}

// A DNS name as it may appear in the generated config: anything else could end the
// subjectAltName list or the line.
inline bool is_simple_dns_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '*'))
      return false;
  return true;
}

} // namespace tls_fixture_detail

// Creates the files of TlsFixture in `dir` (which must exist) with the openssl CLI: P-256 keys,
// certificates valid from now for three days (except the expired one). The server certificate
// names every entry of `dns_names` and 127.0.0.1. Throws std::runtime_error with openssl's
// message when a step fails, std::invalid_argument for a name that is not a plain DNS name.
inline TlsFixture make_test_pki(const std::string& dir, const std::vector<std::string>& dns_names) {
  using tls_fixture_detail::run_openssl;
  using tls_fixture_detail::write_file;
  std::string san;
  for (const std::string& name : dns_names) {
    if (!tls_fixture_detail::is_simple_dns_name(name))
      throw std::invalid_argument("make_test_pki: not a plain DNS name: '" + name + "'");
    san += "DNS:" + name + ",";
  }
  san += "IP:127.0.0.1";

  TlsFixture out;
  out.ca_cert = dir + "/ca.pem";
  out.ca_key = dir + "/ca.key";
  out.server_cert = dir + "/server.pem";
  out.server_key = dir + "/server.key";
  out.other_ca_cert = dir + "/other-ca.pem";
  out.expired_server_cert = dir + "/expired-server.pem";
  const std::string other_ca_key = dir + "/other-ca.key";
  const std::string csr = dir + "/server.csr";
  const std::string db = dir + "/ca-db";

  // One configuration for every command: the request sections, the extensions of each kind of
  // certificate, and the minimal `openssl ca` set-up that can back-date the expired one
  // (OpenSSL 3.0's `x509 -req` cannot choose a start date).
  std::filesystem::create_directories(db);
  write_file(db + "/index.txt", "");
  write_file(db + "/serial", "1000\n");
  const std::vector<std::string> config_lines = {
      "[req]",
      "distinguished_name = req_dn",
      "prompt = no",
      "[req_dn]",
      "CN = unused",
      "[ca_ext]",
      "basicConstraints = critical,CA:TRUE",
      "keyUsage = critical,keyCertSign,cRLSign",
      "subjectKeyIdentifier = hash",
      "[server_ext]",
      "basicConstraints = critical,CA:FALSE",
      "keyUsage = critical,digitalSignature",
      "extendedKeyUsage = serverAuth",
      "subjectAltName = " + san,
      "subjectKeyIdentifier = hash",
      "authorityKeyIdentifier = keyid",
      "[ca]",
      "default_ca = test_ca",
      "[test_ca]",
      "database = " + db + "/index.txt",
      "new_certs_dir = " + db,
      "serial = " + db + "/serial",
      "default_md = sha256",
      "policy = any_name",
      "unique_subject = no",
      "copy_extensions = none",
      "[any_name]",
      "commonName = supplied",
  };
  std::string config_text;
  for (const std::string& line : config_lines)
    config_text += line + "\n";
  write_file(dir + "/pki.cnf", config_text);
  const std::string config = dir + "/pki.cnf";
  const std::vector<std::string> new_key = {"-newkey", "ec", "-pkeyopt",
                                            "ec_paramgen_curve:prime256v1", "-nodes"};

  auto self_signed_ca = [&](const std::string& key, const std::string& cert,
                            const std::string& name) {
    std::vector<std::string> args = {"req", "-x509", "-config", config, "-extensions", "ca_ext"};
    args.insert(args.end(), new_key.begin(), new_key.end());
    args.insert(args.end(), {"-keyout", key, "-out", cert, "-days", "3", "-subj", "/CN=" + name});
    run_openssl(args, dir);
  };
  self_signed_ca(out.ca_key, out.ca_cert, "conformance test CA");
  self_signed_ca(other_ca_key, out.other_ca_cert, "conformance unrelated test CA");

  std::vector<std::string> request = {"req", "-new", "-config", config};
  request.insert(request.end(), new_key.begin(), new_key.end());
  request.insert(request.end(),
                 {"-keyout", out.server_key, "-out", csr, "-subj",
                  "/CN=" + (dns_names.empty() ? std::string("127.0.0.1") : dns_names.front())});
  run_openssl(request, dir);

  run_openssl({"x509", "-req", "-in", csr, "-CA", out.ca_cert, "-CAkey", out.ca_key, "-set_serial",
               "1", "-days", "3", "-sha256", "-extfile", config, "-extensions", "server_ext",
               "-out", out.server_cert},
              dir);

  run_openssl({"ca",         "-batch",
               "-config",    config,
               "-cert",      out.ca_cert,
               "-keyfile",   out.ca_key,
               "-in",        csr,
               "-out",       out.expired_server_cert,
               "-startdate", "20200101000000Z",
               "-enddate",   "20200102000000Z",
               "-notext",    "-extfile",
               config,       "-extensions",
               "server_ext"},
              dir);
  return out;
}

} // namespace conformance::testing_tools
