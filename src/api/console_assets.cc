#include "api/console_assets.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/gzip.h"

namespace rampart::api {
namespace {

namespace fs = std::filesystem;

std::string ContentType(const fs::path& p) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  auto it = kTypes.find(p.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

// Same-origin scripts and styles only. (Preact and ECharts style elements through the CSSOM,
// which style-src does not restrict, so no 'unsafe-inline' is needed.)
constexpr const char* kPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'";

}  // namespace

common::Result<ConsoleAssets> ConsoleAssets::Load(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::path(dir) / "index.html", ec)) {
    return common::Fail(common::Code::kNotFound,
                        dir +
                            "/index.html not found: build the console with "
                            "`npm ci && npm run build` in web/");
  }
  ConsoleAssets assets;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    if (!in && !in.eof())
      return common::Fail(common::Code::kIoError, "cannot read " + it->path().string());
    const std::string rel = "/" + fs::relative(it->path(), dir).generic_string();
    File file{ContentType(it->path()), body.str(), ""};
    if (file.body.size() > 1024 && file.content_type.find("image/png") == std::string::npos) {
      file.gzipped = common::Gzip(file.body);
      if (file.gzipped.size() >= file.body.size()) file.gzipped.clear();
    }
    assets.files_[rel] = std::move(file);
  }
  if (ec) return common::Fail(common::Code::kIoError, "cannot list " + dir + ": " + ec.message());
  return assets;
}

std::optional<HttpResponse> ConsoleAssets::Serve(const HttpRequest& request) const {
  const std::string& path = request.path;
  if (path == "/healthz" || path == "/metrics" || path == "/v1" || path.rfind("/v1/", 0) == 0) {
    return std::nullopt;
  }
  auto it = files_.find(path == "/" ? "/index.html" : path);
  const bool hashed = it != files_.end() && path.rfind("/assets/", 0) == 0;
  if (it == files_.end()) {
    // An unknown asset is a real 404 (a stale tab asking for an old bundle); any other path
    // is a console page.
    if (path.rfind("/assets/", 0) == 0) return std::nullopt;
    it = files_.find("/index.html");
  }
  HttpResponse r;
  r.content_type = it->second.content_type;
  // "gzip" among the accepted codings (a q=0 refusal is rare enough to ignore).
  if (!it->second.gzipped.empty() && request.accept_encoding.find("gzip") != std::string::npos) {
    r.body = it->second.gzipped;
    r.headers.emplace_back("Content-Encoding", "gzip");
  } else {
    r.body = it->second.body;
  }
  r.headers.emplace_back("Vary", "Accept-Encoding");
  // Vite names assets by content hash: they never change. The page itself always revalidates.
  r.headers.emplace_back("Cache-Control",
                         hashed ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.emplace_back("Content-Security-Policy", kPolicy);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  return r;
}

size_t ConsoleAssets::total_bytes() const {
  size_t n = 0;
  for (const auto& [_, f] : files_) n += f.body.size();
  return n;
}

}  // namespace rampart::api
