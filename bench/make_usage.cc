// make_usage: writes a large synthetic day for `rampart rate` throughput runs.
//   make_usage DIR IPS     -> DIR/resources.json (IPS single-IP hdips) and DIR/usage.csv
//                             (IPS x 1,440 one-minute rows of 2026-11-26, Asia/Shanghai)
// About 60 bytes a row: 12,500 IPs make a ~1.1 GB file. Deterministic.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_usage DIR IPS\n");
    return 2;
  }
  const std::string dir = argv[1];
  const long ips = std::atol(argv[2]);
  if (ips <= 0 || ips > 65'000) {
    std::fprintf(stderr, "IPS must be 1-65000\n");
    return 2;
  }
  std::FILE* res = std::fopen((dir + "/resources.json").c_str(), "w");
  std::FILE* csv = std::fopen((dir + "/usage.csv").c_str(), "w");
  if (!res || !csv) {
    std::perror("make_usage");
    return 1;
  }
  std::fprintf(res, "[\n");
  for (long i = 0; i < ips; ++i) {
    std::fprintf(
        res,
        "%s{\"id\":\"r%ld\",\"tenant\":\"t%ld\",\"product\":\"hdip\",\"region\":\"cn-south\","
        "\"line\":\"bgp\",\"ips\":[\"10.%ld.%ld.%ld\"],\"base_gbps\":20,\"elastic_gbps\":50,"
        "\"forwarding_mode\":\"%s\",\"state\":\"running\"}\n",
        i ? "," : "", i, i % 100, i >> 16, (i >> 8) & 255, i & 255,
        i % 2 ? "by_traffic" : "by_bandwidth");
  }
  std::fprintf(res, "]\n");
  std::fclose(res);

  std::fprintf(csv, "window_start,window_s,ip,attack_bps,in_bytes,out_bytes\n");
  uint64_t x = 88172645463325252ULL;  // xorshift: reproducible, fast
  for (int m = 0; m < 1440; ++m) {
    const int64_t t = 1795622400 + 60 * m;  // 2026-11-25T16:00:00Z = 00:00 in UTC+8
    const int64_t secs = t % 86400;
    char when[32];
    std::snprintf(when, sizeof when, "2026-11-%02" PRId64 "T%02" PRId64 ":%02" PRId64 ":00Z",
                  25 + t / 86400 - 1795622400 / 86400, secs / 3600, secs % 3600 / 60);
    for (long i = 0; i < ips; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      const int64_t attack = (x % 97 == 0) ? static_cast<int64_t>(x % 80'000'000'000) : 0;
      std::fprintf(csv, "%s,60,10.%ld.%ld.%ld,%" PRId64 ",%" PRIu64 ",%" PRIu64 "\n", when, i >> 16,
                   (i >> 8) & 255, i & 255, attack, (x >> 8) % 90'000'000, (x >> 16) % 300'000'000);
    }
  }
  std::fclose(csv);
  return 0;
}
