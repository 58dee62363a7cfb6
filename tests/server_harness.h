// Test harness: the real `rampart serve` as a child process on 127.0.0.1 with a port the
// kernel picks and a temporary data directory, and a small HTTP client (Boost.Beast, sync).
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/free_port.h"

namespace rampart::testing {

inline const std::string kAdminKey = "rk_0123456789abcdef0123456789abcdef";

// The string member `key` of a JSON object; "null" when it is null.
inline std::string Str(const boost::json::value& v, const char* key) {
  return v.at(key).is_null() ? "null" : std::string(v.at(key).as_string());
}

// What `promtool check metrics` (Debian's prometheus package) says of a Prometheus text
// exposition — "" when it passes. `http` may be a whole HTTP response: its body is checked.
inline std::string PromtoolProblems(std::string http) {
  if (const size_t body = http.find("\r\n\r\n");
      http.rfind("HTTP/", 0) == 0 && body != std::string::npos) {
    http.erase(0, body + 4);
  }
  char path[] = "/tmp/rampart-metrics-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return "mkstemp failed";
  const bool written = write(fd, http.data(), http.size()) == static_cast<ssize_t>(http.size());
  close(fd);
  std::string out;
  if (FILE* p =
          written ? popen(("promtool check metrics < " + std::string(path) + " 2>&1").c_str(), "r")
                  : nullptr) {
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    const int status = pclose(p);
    if (status != 0 && out.empty()) out = "promtool failed (is it installed? scripts/setup)";
  } else {
    out = "could not run promtool";
  }
  unlink(path);
  return out;
}

// The real clock's Unix seconds (agents run on it).
inline int64_t NowS() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Reply {
  int status = 0;
  bool connected = false;  // the connection was made (status -1 then: no answer came)
  std::string body;
  std::map<std::string, std::string> headers;
  boost::json::value Json() const { return boost::json::parse(body); }
};

class Server {
 public:
  // Starts `rampart serve` on a fresh data dir (or `data_dir`, to restart on old data).
  // `simulated`: on the simulated clock from 2026-11-26T00:00:00Z (otherwise the real clock
  // with deliveries due at once).
  // `database`: a PostgreSQL URL to share with other nodes (see BackendDatabase()).
  explicit Server(std::vector<std::string> extra_args = {}, std::string data_dir = "",
                  bool simulated = true, std::string database = "")
      : simulated_(simulated) {
    data_ = data_dir.empty() ? MakeDataDir() : data_dir;
    database_ = database.empty() ? BackendDatabase() : database;
    owns_data_ = data_dir.empty();
    Start(std::move(extra_args));
  }
  // Stops the server gracefully; a server that does not exit cleanly (a sanitizer report,
  // a leak, a crash at shutdown) fails the test that ran it.
  ~Server() {
    const bool running = pid_ > 0;
    const int status = Stop(SIGTERM);
    if (running && status != 0) ADD_FAILURE() << "rampart serve exited with status " << status;
    if (owns_data_) std::filesystem::remove_all(data_);
  }

  void Start(std::vector<std::string> extra_args) {
    extra_args_ = extra_args;
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      setenv("RAMPART_ADMIN_KEY", kAdminKey.c_str(), 1);
      std::vector<std::string> args = {RAMPART_BINARY, "serve", "--data", data_, "--seed", "7"};
      // A fixed --listen among the extra arguments (a restart on the same port), else any.
      if (std::find(extra_args.begin(), extra_args.end(), "--listen") == extra_args.end()) {
        args.insert(args.end(), {"--listen", "127.0.0.1:0"});
      }
      if (!database_.empty()) args.insert(args.end(), {"--database", database_});
      if (simulated_) {
        args.insert(args.end(), {"--simulated-clock", "--start", "2026-11-26T00:00:00Z"});
      } else {
        if (std::find(extra_args.begin(), extra_args.end(), "--delivery-delay") ==
            extra_args.end()) {
          args.insert(args.end(), {"--delivery-delay", "0-0"});
        }
      }
      args.insert(args.end(), extra_args.begin(), extra_args.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(RAMPART_BINARY, argv.data());
      _exit(127);
    }
    close(out[1]);
    FILE* f = fdopen(out[0], "r");
    char line[512];
    port_ = 0;
    while (fgets(line, sizeof line, f)) {
      unsigned port = 0;
      if (std::sscanf(line, "rampart: listening on http://127.0.0.1:%u", &port) == 1 ||
          std::sscanf(line, "rampart: listening on https://127.0.0.1:%u", &port) == 1) {
        port_ = static_cast<uint16_t>(port);
        break;
      }
    }
    stdout_ = f;  // keep the pipe open: the server may still write to it
    if (port_ == 0) throw std::runtime_error("rampart serve did not start");
  }

  // Stops the server with `sig` and returns its exit status (-1 if killed by a signal).
  int Stop(int sig) {
    if (pid_ <= 0) return 0;
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
    if (stdout_) fclose(stdout_);
    stdout_ = nullptr;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  void Restart() {
    Stop(SIGTERM);
    Start(extra_args_);
  }
  void Crash() { Stop(SIGKILL); }

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Everything the server has stored, as bytes: every file of its data directory (the
  // SQLite database with its -wal and -shm) and, on PostgreSQL, a data-only pg_dump. For
  // checks that a secret is stored nowhere.
  std::string StoredBytes() const {
    std::string all;
    for (const auto& f : std::filesystem::recursive_directory_iterator(data_)) {
      if (!f.is_regular_file()) continue;
      std::ifstream in(f.path(), std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), {});
    }
    if (!database_.empty()) {
      FILE* p = popen(("pg_dump --data-only '" + database_ + "'").c_str(), "r");
      if (!p) throw std::runtime_error("popen");
      char buf[4096];
      std::string dump;
      for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) dump.append(buf, n);
      if (pclose(p) != 0 || dump.find("PostgreSQL database dump") == std::string::npos) {
        throw std::runtime_error("pg_dump failed");
      }
      all += dump;
    }
    return all;
  }
  // Runs one SQL statement on the server's own database behind its back (sqlite3 or psql),
  // to stage faults the API cannot make (a row gone missing). Returns the tool's output.
  std::string Sql(const std::string& statement) const {
    const std::string quoted = "'" + Replace(statement, "'", "'\\''") + "'";
    const std::string cmd =
        database_.empty() ? "sqlite3 -cmd '.timeout 10000' '" + data_ + "/rampart.db' " + quoted
                          : "psql -qAt '" + database_ + "' -c " + quoted;
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) throw std::runtime_error("popen");
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    if (pclose(p) != 0) throw std::runtime_error("SQL failed: " + statement);
    return out;
  }
  const std::string& data_dir() const { return data_; }
  const std::string& database() const { return database_; }  // "" on SQLite

  Reply Call(const std::string& method, const std::string& target, const std::string& key = "",
             const std::string& body = "", std::map<std::string, std::string> headers = {}) const {
    return HttpCall(port_, method, target, key, body, std::move(headers));
  }

  // One request on a new connection; status -1 when the server cannot be reached or hangs up.
  static Reply HttpCall(uint16_t port, const std::string& method, const std::string& target,
                        const std::string& key = "", const std::string& body = "",
                        std::map<std::string, std::string> headers = {}) {
    namespace beast = boost::beast;
    namespace http = beast::http;
    Reply r;
    r.status = -1;
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    beast::error_code ec;
    stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port),
                   ec);
    if (ec) return r;
    r.connected = true;
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, "127.0.0.1");
    if (!key.empty()) req.set(http::field::authorization, "Bearer " + key);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req, ec);
    // A refused body may be cut short by the server; its answer can still be read.
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(stream, buffer, parser, ec);
    if (ec) return r;
    auto& res = parser.get();
    r.status = static_cast<int>(res.result_int());
    r.body = res.body();
    for (const auto& h : res) r.headers[std::string(h.name_string())] = std::string(h.value());
    return r;
  }
  // Sends `bytes` as they are on a new connection and returns everything the server answers
  // until it closes, or what came within `timeout_ms` ("" for a close without an answer).
  // For requests a well-behaved client cannot send, and for servers that may not answer.
  static std::string RawExchange(uint16_t port, const std::string& bytes, int timeout_ms = 3000) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket sock(io);
    boost::system::error_code ec;
    sock.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    if (ec) return "";
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    boost::asio::write(sock, boost::asio::buffer(bytes), ec);
    std::string out;
    char buf[4096];
    for (;;) {
      const ssize_t n = recv(sock.native_handle(), buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  Reply Admin(const std::string& method, const std::string& target,
              const std::string& body = "") const {
    return Call(method, target, kAdminKey, body);
  }
  // Moves the simulated clock.
  void Advance(int64_t seconds) const {
    Admin("POST", "/v1/admin/clock", "{\"advance_s\": " + std::to_string(seconds) + "}");
  }

  // Adds an IP pool of `cidr` for `region`/`line`; returns the answer's status (201).
  int AddPool(const std::string& cidr, const std::string& region = "cn-south",
              const std::string& line = "bgp") const {
    return Admin("POST", "/v1/admin/ip-pools",
                 R"({"region": ")" + region + R"(", "line": ")" + line + R"(", "cidr": ")" + cidr +
                     "\"}")
        .status;
  }

  // A tenant with a tenant key and `balance` yuan; returns {tenant id, key}.
  std::pair<std::string, std::string> NewTenant(const std::string& name,
                                                const std::string& balance) const {
    const auto t = Admin("POST", "/v1/admin/tenants", "{\"name\": \"" + name + "\"}").Json();
    const std::string id(t.at("id").as_string());
    const auto k =
        Admin("POST", "/v1/admin/tenants/" + id + "/keys", R"({"role": "tenant"})").Json();
    if (balance != "0") {
      Admin("POST", "/v1/admin/tenants/" + id + "/topup", "{\"amount\": \"" + balance + "\"}");
    }
    return {id, std::string(k.at("key").as_string())};
  }

  // An hdip bought from `pool` and delivered, with the simulated clock left 200 s behind the
  // real one: agents run on the real clock, and the windows they post now fall after the
  // delivery and within the 5 minutes ahead of the server's clock it accepts.
  struct Hdip {
    std::string key, resource, ip;  // the tenant's key, the resource id, its first address
  };
  Hdip BuyHdipNearRealTime(const std::string& pool) const {
    std::time_t start = NowS() - 500;
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&start));
    Hdip h;
    if (Admin("POST", "/v1/admin/clock", std::string("{\"now\": \"") + text + "\"}").status !=
            200 ||
        AddPool(pool) != 201) {
      ADD_FAILURE() << "cannot set the clock or add the pool " << pool;
      return h;
    }
    h.key = NewTenant("acme", "100000.00").second;
    const auto o = Call(
        "POST", "/v1/orders", h.key,
        R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 20, "elastic_gbps": 50, "months": 1})");
    const auto paid = Call("POST", "/v1/orders/" + Str(o.Json(), "id") + "/pay", h.key);
    h.resource = std::string(paid.Json().at("resources").as_array()[0].as_string());
    Advance(300);  // delivered
    const auto r = Call("GET", "/v1/resources/" + h.resource, h.key).Json();
    if (Str(r, "state") != "running") ADD_FAILURE() << "not delivered: " << r;
    h.ip = std::string(r.at("ips").as_array()[0].as_string());
    return h;
  }

 private:
  // With RAMPART_TEST_BACKEND=postgres, a fresh database on the cluster named by
  // RAMPART_TEST_POSTGRES_URL (scripts/pg-test-cluster), one per server; "" otherwise.
 public:
  static std::string BackendDatabase() {
    const char* backend = std::getenv("RAMPART_TEST_BACKEND");
    if (!backend || std::string(backend) != "postgres") return "";
    const char* url = std::getenv("RAMPART_TEST_POSTGRES_URL");
    if (!url || !*url) throw std::runtime_error("RAMPART_TEST_POSTGRES_URL is not set");
    static int counter = 0;
    // The pid alone repeats across a long-lived cluster's runs: the clock makes it unique.
    const std::string name =
        "t_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
        std::to_string(std::chrono::system_clock::now().time_since_epoch().count() %
                       1'000'000'000'000);
    const std::string cmd =
        "psql -q \"" + std::string(url) + "\" -c \"CREATE DATABASE " + name + "\" >/dev/null";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("cannot create " + name);
    std::string base(url);
    return base.substr(0, base.rfind('/') + 1) + name;
  }

 private:
  static std::string Replace(std::string s, const std::string& from, const std::string& to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
      s.replace(at, from.size(), to);
    }
    return s;
  }
  static std::string MakeDataDir() {
    char tmpl[] = "/tmp/rampart_test_XXXXXX";
    return mkdtemp(tmpl);
  }

  bool simulated_ = true;
  std::string database_;  // PostgreSQL URL of this server's own database, or "" (SQLite)
  std::string data_;
  bool owns_data_ = true;
  std::vector<std::string> extra_args_;
  pid_t pid_ = 0;
  FILE* stdout_ = nullptr;
  uint16_t port_ = 0;
};

}  // namespace rampart::testing
