#include "forward/usage_state.h"

#include <charconv>

namespace rampart::forward {
namespace {

constexpr std::string_view kHeader = "rampart-forward-usage 1";

// Splits `line` at spaces.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  while (!line.empty()) {
    const size_t sp = line.find(' ');
    out.push_back(line.substr(0, sp));
    if (sp == std::string_view::npos) break;
    line.remove_prefix(sp + 1);
  }
  return out;
}

template <typename T>
bool Number(std::string_view s, T& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

}  // namespace

std::string EncodeUsageState(const UsageState& state) {
  std::string text = std::string(kHeader) + "\nN " + std::to_string(state.next_seq) + "\n";
  for (const auto& w : state.windows) {
    text += "W " + w.ip.ToString() + " " + std::to_string(w.window_start) + " " +
            std::to_string(w.in_bytes) + " " + std::to_string(w.out_bytes) + "\n";
  }
  for (const auto& b : state.batches) {
    text += "B " + std::to_string(b.seq) + " " + b.id + " " + std::to_string(b.samples) + "\n";
    text += b.body;  // `samples` lines, each ending in \n
  }
  return text;
}

common::Result<UsageState> DecodeUsageState(std::string_view text) {
  UsageState state;
  size_t line_no = 0;
  auto next_line = [&](std::string_view& line) {
    if (text.empty()) return false;
    const size_t nl = text.find('\n');
    if (nl == std::string_view::npos) return false;  // a line without its end: cut short
    line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    ++line_no;
    return true;
  };
  auto bad = [&](const std::string& what) {
    return common::Fail(common::Code::kInvalidState,
                        "line " + std::to_string(line_no) + ": " + what);
  };
  std::string_view line;
  if (!next_line(line) || line != kHeader) return bad("not a forwarder usage state");
  bool have_seq = false;
  while (next_line(line)) {
    const auto f = Fields(line);
    if (f[0] == "N" && f.size() == 2 && Number(f[1], state.next_seq) && state.next_seq > 0) {
      have_seq = true;
    } else if (f[0] == "W" && f.size() == 5) {
      WindowBytes w;
      auto ip = common::IpAddress::Parse(f[1]);
      if (!ip || !Number(f[2], w.window_start) || w.window_start % UsageMeter::kWindowS != 0 ||
          !Number(f[3], w.in_bytes) || !Number(f[4], w.out_bytes)) {
        return bad("a malformed window");
      }
      w.ip = *ip;
      state.windows.push_back(w);
    } else if (f[0] == "B" && f.size() == 4) {
      agent::UsageBatch b;
      b.id = std::string(f[2]);
      if (!Number(f[1], b.seq) || !Number(f[3], b.samples) || b.id.empty()) {
        return bad("a malformed batch");
      }
      for (size_t i = 0; i < b.samples; ++i) {
        if (!next_line(line) || line.empty() || line.front() != '{') {
          return bad("a batch cut short");
        }
        b.body.append(line).push_back('\n');
      }
      if (b.seq >= state.next_seq) return bad("a batch numbered after the next number");
      state.batches.push_back(std::move(b));
    } else {
      return bad("unknown item");
    }
  }
  if (!text.empty()) return bad("cut short");
  if (!have_seq) return bad("no next number");
  return state;
}

}  // namespace rampart::forward
