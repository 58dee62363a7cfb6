// The console's built files (web/dist), read once at start and served from memory at `/`.
// Only files found under the directory at load time can ever be served, so a request path
// cannot reach anything else on disk. Paths without a file fall back to index.html (the
// console routes in the browser).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "api/http.h"
#include "common/error.h"

namespace rampart::api {

class ConsoleAssets {
 public:
  // Reads every regular file under `dir`. `not_found` when the directory or its index.html
  // is missing (the console was not built: `npm run build` in web/).
  static common::Result<ConsoleAssets> Load(const std::string& dir);

  // The answer to GET `path` ("/", "/assets/index-3f2a.js", ...); nullopt for paths the
  // console does not own (/v1, /healthz, /metrics). Gzipped when the request accepts it.
  std::optional<HttpResponse> Serve(const HttpRequest& request) const;

  size_t file_count() const { return files_.size(); }
  size_t total_bytes() const;

 private:
  struct File {
    std::string content_type;
    std::string body;
    std::string gzipped;  // empty when compression would not pay (images, tiny files)
  };
  std::map<std::string, File> files_;  // "/index.html", "/assets/..."
};

}  // namespace rampart::api
