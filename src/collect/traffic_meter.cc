#include "collect/traffic_meter.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <sstream>

#include "collect/divider.h"

namespace rampart::collect {
namespace {

constexpr uint8_t kTcp = 6, kUdp = 17, kIcmp = 1, kIcmpV6 = 58;
constexpr uint8_t kSyn = 0x02, kAck = 0x10;
constexpr size_t kMaxHistory = 4096;

// x * sampling without overflow (a corrupt record cannot wrap a total negative).
int64_t Scaled(uint64_t x, uint32_t sampling) {
  constexpr uint64_t kCap = uint64_t{1} << 50;  // ~1 PB: more than any flow carries
  if (sampling <= 1) return static_cast<int64_t>(std::min(x, kCap));  // most exports
  const unsigned __int128 v = static_cast<unsigned __int128>(x) * sampling;
  return static_cast<int64_t>(std::min<unsigned __int128>(v, kCap));
}

// The dividers of the whole seconds between a record's ends (2 to kMaxFlowS; one needs none):
// looked up, not computed, per record (57 KiB, built by the compiler).
constexpr std::array<Divider, TrafficMeter::kMaxFlowS + 1> kBetweenDividers = [] {
  std::array<Divider, TrafficMeter::kMaxFlowS + 1> table{};
  for (uint64_t d = 2; d < table.size(); ++d) table[d] = Divider(d);
  return table;
}();

}  // namespace

// A record's seconds: its first and last, and (spanning more than one) the divisors its parts
// share. Both its bytes and its packets are split over them (Parts).
struct TrafficMeter::Span {
  int64_t first_s = 0, last_s = 0;
  int64_t start_ms = 0, end_ms = 0;
  Divider per_duration;                  // spanning more than one second
  const Divider* per_between = nullptr;  // more than three: kBetweenDividers

  // [start_ms, end_ms) not empty, both in [0, 10^13] (divided unsigned: fewer instructions).
  Span(int64_t start, int64_t end)
      : first_s(static_cast<int64_t>(static_cast<uint64_t>(start) / 1000)),
        last_s(static_cast<int64_t>(static_cast<uint64_t>(end - 1) / 1000)),
        start_ms(start),
        end_ms(end) {
    if (first_s == last_s) return;
    per_duration = Divider(static_cast<uint64_t>(end - start));
    const auto between = static_cast<uint64_t>(last_s - first_s - 1);  // < kMaxFlowS
    if (between > 1) per_between = &kBetweenDividers[between];
  }
};

// A record's total over its seconds, in proportion to time with parts that add up exactly:
// its first and last (partial) seconds get the floor of their share, the whole seconds
// between share the rest, one more to each of the first `extra` of them. Every part is within
// 3 of the exact proportion, and the whole seconds form two runs, so the ring takes them at
// the cost of two.
struct TrafficMeter::Parts {
  int64_t first, last;   // what the first and last second get (one second: all in first)
  int64_t whole, extra;  // each second between: whole, +1 for the first `extra`

  Parts() = default;  // uninitialized: a batch of them costs nothing to declare
  // `total` <= 2^50 (Scaled caps it).
  Parts(int64_t total, const Span& span) : first(total), last(0), whole(0), extra(0) {
    if (span.first_s == span.last_s) return;
    auto share = [&](int64_t ms) {  // ms <= 1000: total x ms < 2^60, the divider's bound
      return static_cast<int64_t>(span.per_duration(static_cast<uint64_t>(total * ms)));
    };
    first = share((span.first_s + 1) * 1000 - span.start_ms);
    const int64_t between = span.last_s - span.first_s - 1;
    if (between == 0) {
      last = total - first;
      return;
    }
    last = share(span.end_ms - span.last_s * 1000);
    const int64_t rest = total - first - last;  // >= total x between x 1000 / duration >= 0
    whole = between == 1 ? rest
                         : static_cast<int64_t>((*span.per_between)(static_cast<uint64_t>(rest)));
    extra = rest - whole * between;
  }
  // The part of `second`, one of the record's [first_s, last_s].
  int64_t At(int64_t first_s, int64_t last_s, int64_t second) const {
    if (second == first_s) return first;
    if (second == last_s) return last;
    return whole + (second - first_s - 1 < extra ? 1 : 0);
  }
};

// A record looked up and divided (Add's first pass), ready to spread (its second).
struct TrafficMeter::Prepared {
  const FlowRecord* record;
  IpState* dst;  // the protected IPs it adds to; null: none (or its source, not counted)
  IpState* src;
  int64_t first_s, last_s;  // its seconds
  Parts bytes, packets;
};

namespace {
// The home entry of an IPv4 address in a table of 2^(64 - shift) entries: Fibonacci hashing
// (the multiply spreads the address's bits into the top ones, which pick the entry).
size_t V4Home(uint32_t v4, int shift) {
  return static_cast<size_t>((uint64_t{v4} * 0x9E3779B97F4A7C15ULL) >> shift);
}
}  // namespace

[[gnu::always_inline]] inline TrafficMeter::IpState* TrafficMeter::Find(
    const common::IpAddress& ip) {
  uint64_t low, high;
  std::memcpy(&low, ip.bytes().data(), 8);
  std::memcpy(&high, ip.bytes().data() + 8, 8);
  static_assert(std::endian::native == std::endian::little);
  if (low == 0 && static_cast<uint32_t>(high) == 0xffff0000u) [[likely]] {  // ::ffff:a.b.c.d
    const auto v4 = static_cast<uint32_t>(high >> 32);
    for (size_t i = V4Home(v4, v4_shift_);; i = (i + 1) & (v4_.size() - 1)) {
      const V4Entry& e = v4_[i];
      if (e.ip == v4 || !e.state) return e.state;  // an empty entry's is null
    }
  }
  auto it = ips_.find(ip);
  return it == ips_.end() ? nullptr : &it->second;
}

void TrafficMeter::Configure(const std::vector<MeterUnit>& units) {
  std::map<std::string, Unit> old;
  for (auto& u : units_) old.emplace(u.config.name, std::move(u));
  units_.clear();
  IpMap ips;
  for (const auto& config : units) {
    Unit u;
    if (auto it = old.find(config.name); it != old.end()) u = std::move(it->second);
    u.config = config;
    for (const auto& ip : config.ips) {
      if (ips.size() >= kMaxIps) break;
      IpState state;
      if (auto it = ips_.find(ip); it != ips_.end()) state = std::move(it->second);
      state.unit = units_.size();
      ips.insert_or_assign(ip, std::move(state));
    }
    units_.push_back(std::move(u));
  }
  pending_seconds_ = 0;
  for (const auto& [_, s] : ips) pending_seconds_ += s.pending.capacity();
  ips_ = std::move(ips);
  size_t v4_count = 0;
  for (const auto& [ip, _] : ips_) v4_count += ip.is_v4();
  const int bits = static_cast<int>(std::bit_width(std::max<size_t>(v4_count * 2, 2) - 1));
  v4_.assign(size_t{1} << bits, V4Entry{});
  v4_shift_ = 64 - bits;
  for (auto& [ip, state] : ips_) {
    if (!ip.is_v4()) continue;
    uint32_t v4;
    std::memcpy(&v4, ip.bytes().data() + 12, 4);
    size_t i = V4Home(v4, v4_shift_);
    while (v4_[i].state) i = (i + 1) & (v4_.size() - 1);
    v4_[i] = {v4, &state};
  }
  stats_.attacks_open = 0;
  for (const auto& u : units_) stats_.attacks_open += u.in_attack;
}

// Inlined, as the Spreads are: a call per record and the registers it saved were about 40 of
// a record's ~500 instructions.
[[gnu::always_inline]] inline bool TrafficMeter::Prepare(const FlowRecord& r,
                                                         uint32_t sampling_override,
                                                         Prepared& out) {
  const uint32_t sampling = sampling_override ? sampling_override : r.sampling;
  const int64_t bytes = Scaled(r.bytes, sampling);
  const int64_t packets = Scaled(r.packets, sampling);
  // Outbound bytes are only reported with --count-bytes: without it the source is not looked up.
  IpState* dst = Find(r.dst);
  IpState* src = count_bytes_ ? Find(r.src) : nullptr;
  if (!dst && !src) {
    ++stats_.unprotected;
    return false;
  }
  // Times outside 1970-2286 are corrupt (and would overflow the arithmetic below); a negative
  // one is outside too, compared unsigned.
  constexpr auto kLatest = static_cast<uint64_t>(kLatestMs);
  if (static_cast<uint64_t>(r.start_ms) > kLatest || static_cast<uint64_t>(r.end_ms) > kLatest) {
    ++stats_.bad_time;
    return false;
  }
  if (std::max(r.start_ms, r.end_ms) < oldest_ms_) {
    ++stats_.too_old;
    return false;
  }
  ++stats_.records;
  // [start, end] in milliseconds, end inclusive: a record of one instant still lasts 1 ms.
  // A flow longer than kMaxFlowS (corrupt times: no exporter keeps a flow open that long)
  // counts over its last kMaxFlowS.
  const int64_t end = std::max(r.start_ms, r.end_ms) + 1;
  const int64_t start = std::max(std::min(r.start_ms, r.end_ms), end - kMaxFlowS * 1000);
  const Span span(start, end);
  out.record = &r;
  out.dst = dst;
  out.src = src;
  out.first_s = span.first_s;
  out.last_s = span.last_s;
  out.bytes = Parts(bytes, span);
  out.packets = Parts(packets, span);
  return true;
}

[[gnu::always_inline]] inline void TrafficMeter::Spread(const Prepared& rec) {
  bool late = false;  // a record counts once, whatever its seconds and IPs
  if (rec.dst) late |= Spread(rec, *rec.dst, true);
  if (rec.src) late |= Spread(rec, *rec.src, false);
  stats_.late += late;
}

[[gnu::always_inline]] inline bool TrafficMeter::Spread(const Prepared& rec, IpState& ip,
                                                        bool inbound) {
  const FlowRecord& r = *rec.record;
  const Parts &b = rec.bytes, &p = rec.packets;
  const bool syn = r.protocol == kTcp && (r.tcp_flags & kSyn) && !(r.tcp_flags & kAck);
  // The fields this record adds to: its byte class; inbound, its packets to their kind. A mask
  // instead of a branch: outbound, its packets add 0.
  using F = SecondField;
  const Fields fields{
      .bytes = !inbound                   ? F::kOutBytes
               : r.forwarding_status == 2 ? F::kAttackBytes
               : r.forwarding_status == 1 ? F::kCleanBytes
                                          : F::kUnknownBytes,
      .kind = syn                                            ? F::kSyn
              : r.protocol == kUdp                           ? F::kUdp
              : r.protocol == kIcmp || r.protocol == kIcmpV6 ? F::kIcmp
                                                             : F::kOther,
      .packets_mask = inbound ? -1 : 0,
  };
  // Seconds already judged (late) go to their windows one by one; the rest to the ring.
  const int64_t from = std::max(rec.first_s, settled_);
  bool late = false;
  if (from > rec.first_s) [[unlikely]] {
    late = SpreadLate(inbound ? r.dst : r.src, rec, fields, ip, from);
    if (from > rec.last_s) return late;
  }
  if (!ip.pending.Reserve(from, rec.last_s + 1, kMaxPendingSeconds - pending_seconds_,
                          &pending_seconds_)) {
    ++stats_.overflow;
    return late;
  }
  // The record's runs (first second, whole seconds between, +1 to the first `extra` of them,
  // last second) as the changes they make at their boundaries, summed per second: at most six
  // seconds change. `slot_at` gives the slot of a change.
  const int64_t f = rec.first_s, l = rec.last_s;
  int64_t* const bytes_changes = ip.pending.Changes(fields.bytes);
  int64_t* const kind_changes = ip.pending.Changes(fields.kind);
  auto add_runs = [&](auto change_at) {
    auto change = [&](int64_t second, int64_t bytes, int64_t packets) {
      const size_t i = ip.pending.IndexOf(change_at(second));
      bytes_changes[i] += bytes;
      kind_changes[i] += packets & fields.packets_mask;
    };
    change(f, b.first, p.first);
    if (f == l) {
      change(f + 1, -b.first, -p.first);
      return;
    }
    change(f + 1, b.whole - b.first + (b.extra > 0), p.whole - p.first + (p.extra > 0));
    if (b.extra > 0) change(f + 1 + b.extra, -1, 0);
    if (p.extra > 0) change(f + 1 + p.extra, 0, -1);
    change(l, b.last - b.whole, p.last - p.whole);
    change(l + 1, -b.last, -p.last);
  };
  if (from == f) {
    add_runs([](int64_t second) { return second; });
  } else {
    // A second before `from` went to its window: its change moves to `from`, so a run wholly
    // before it cancels out.
    add_runs([from](int64_t second) { return std::max(second, from); });
  }
  if (ip.changed_from == ip.changed_to) {
    ip.changed_from = from;
    ip.changed_to = l + 1;
  } else {
    ip.changed_from = std::min(ip.changed_from, from);
    ip.changed_to = std::max(ip.changed_to, l + 1);
  }
  return late;
}

void TrafficMeter::Add(const FlowRecord& record, uint32_t sampling_override) {
  Add(std::span(&record, 1), sampling_override);
}

void TrafficMeter::Add(std::span<const FlowRecord> records, uint32_t sampling_override) {
  // Two passes over up to kBatch records at a time: look each up and divide it, then spread
  // each. A record's lookup and divisions are chains of dependent instructions; the first
  // pass's records do not depend on each other, so the core overlaps their chains (about 3 %
  // faster than one pass). The second pass spreads in the records' order, as one pass did
  // (the rings' bounds are met in the same order).
  Prepared batch[kBatch];
  while (!records.empty()) {
    const size_t take = std::min(records.size(), kBatch);
    size_t n = 0;
    for (size_t i = 0; i < take; ++i) n += Prepare(records[i], sampling_override, batch[n]);
    for (size_t i = 0; i < n; ++i) Spread(batch[i]);
    records = records.subspan(take);
  }
}

bool TrafficMeter::SpreadLate(const common::IpAddress& addr, const Prepared& rec,
                              const Fields& fields, IpState& ip, int64_t before) {
  const int64_t f = rec.first_s, l = rec.last_s;
  bool any = false;
  for (int64_t second = f; second < before && second <= l; ++second) {
    Slot part;
    part[fields.bytes] = rec.bytes.At(f, l, second);
    part[fields.kind] = rec.packets.At(f, l, second) & fields.packets_mask;
    any |= AddLate(ip, addr, second, part);
  }
  return any;
}

bool TrafficMeter::AddLate(IpState& ip, const common::IpAddress& addr, int64_t second,
                           const Slot& part) {
  if (part.empty()) return false;
  // The second was judged already; its unit's attack history judges this part.
  Window* w = WindowOf(addr, second);
  if (!w) return true;
  const bool attack = AttackAt(units_[ip.unit], second);
  w->attack_bytes += part.attack_bytes + (attack ? part.unknown_bytes : 0);
  w->clean_in_bytes += part.clean_bytes + (attack ? 0 : part.unknown_bytes);
  w->out_bytes += part.out_bytes;
  return true;
}

bool TrafficMeter::Exceeds(const Detection& d, const Slot& s) const {
  const int64_t bps = (s.unknown_bytes + s.attack_bytes + s.clean_bytes) * 8;
  auto over = [](int64_t threshold, int64_t v) { return threshold > 0 && v > threshold; };
  return over(d.bps, bps) || over(d.pps, s.packets()) || over(d.syn_pps, s.syn) ||
         over(d.udp_pps, s.udp) || over(d.icmp_pps, s.icmp);
}

bool TrafficMeter::AttackAt(const Unit& u, int64_t second) const {
  for (auto it = u.history.rbegin(); it != u.history.rend(); ++it) {
    if (it->from <= second && second < it->to) return true;
    if (it->to <= second) break;  // intervals are in order: nothing older covers it
  }
  return false;
}

TrafficMeter::Window* TrafficMeter::WindowOf(const common::IpAddress& ip, int64_t second) {
  const WindowKey key{second - ((second % kWindowS) + kWindowS) % kWindowS, ip};
  auto it = windows_.find(key);
  if (it == windows_.end()) {
    if (windows_.size() >= kMaxWindows) {
      ++stats_.overflow;
      return nullptr;
    }
    it = windows_.emplace(key, Window{}).first;
  }
  MarkChanged(it->first, it->second);
  if (!it->second.dirty) {
    it->second.dirty = true;
    dirty_.push_back(it->first);
  }
  return &it->second;
}

void TrafficMeter::MarkChanged(const WindowKey& key, Window& w) {
  if (w.changed) return;
  w.changed = true;
  changed_.push_back(key);
}

void TrafficMeter::Settle(int64_t up_to) {
  if (up_to <= settled_) return;
  for (size_t u = 0; u < units_.size(); ++u) {
    Unit& unit = units_[u];
    const Detection& d = unit.config.detection;
    // The unit's traffic per second: its IPs' slots added up.
    std::map<int64_t, Slot> total;
    for (const auto& addr : unit.config.ips) {
      auto it = ips_.find(addr);
      if (it == ips_.end() || it->second.unit != u) continue;
      it->second.pending.ForEachBefore(up_to, [&](int64_t second, const Slot& s) {
        Slot& t = total[second];
        t += s;
      });
    }
    auto end_attack_if_cooled = [&](int64_t second) {
      if (unit.in_attack && second > unit.last_exceeded + d.cooldown_s) {
        unit.history.back().to = unit.last_exceeded + d.cooldown_s + 1;
        unit.in_attack = false;
        --stats_.attacks_open;
      }
    };
    for (const auto& [second, sum] : total) {
      end_attack_if_cooled(second);
      if (second != unit.last_second + 1) unit.run = 0;
      if (Exceeds(d, sum)) {
        ++unit.run;
        unit.last_exceeded = second;
        if (!unit.in_attack && unit.run >= d.sustain_s) {
          unit.in_attack = true;
          unit.history.push_back({second, std::numeric_limits<int64_t>::max()});
          if (unit.history.size() > kMaxHistory) unit.history.erase(unit.history.begin());
          ++stats_.attacks_started;
          ++stats_.attacks_open;
        }
      } else {
        unit.run = 0;
        end_attack_if_cooled(second);
      }
      unit.last_second = second;
    }
    // Attribute every member's settled seconds by the unit's history, then drop them.
    for (const auto& addr : unit.config.ips) {
      auto it = ips_.find(addr);
      if (it == ips_.end() || it->second.unit != u) continue;
      auto& pending = it->second.pending;
      pending.ForEachBefore(up_to, [&](int64_t second, const Slot& s) {
        if (Window* w = WindowOf(addr, second)) {
          const bool attack = AttackAt(unit, second);
          w->attack_bytes += s.attack_bytes + (attack ? s.unknown_bytes : 0);
          w->clean_in_bytes += s.clean_bytes + (attack ? 0 : s.unknown_bytes);
          w->out_bytes += s.out_bytes;
        }
      });
      pending_seconds_ -= pending.DropBefore(up_to);
    }
    if (up_to != std::numeric_limits<int64_t>::max()) end_attack_if_cooled(up_to - 1);
    // History older than 72 h judges nothing any more.
    while (unit.history.size() > 1 && unit.history.front().to < up_to - kMaxAgeS) {
      unit.history.erase(unit.history.begin());
    }
  }
  settled_ = up_to;
}

void TrafficMeter::SetOldest() {
  if (newest_ == INT64_MIN) return;
  // Clamped: a corrupt saved clock must not overflow (nor make every record too old or none).
  const int64_t oldest_s = std::max(newest_, INT64_MIN + kMaxAgeS) - kMaxAgeS;
  oldest_ms_ = std::clamp<int64_t>(oldest_s, 0, kLatestMs / 1000 + 1) * 1000;
}

void TrafficMeter::Advance(int64_t now_s, std::vector<WindowSample>& out) {
  newest_ = std::max(newest_, now_s);
  SetOldest();
  Settle(now_s - grace_s_);
  Emit(now_s - grace_s_ - kWindowS + 1, out);
  // Windows past 72 h take no more corrections.
  while (!windows_.empty() && windows_.begin()->first.first < now_s - kMaxAgeS) {
    windows_.erase(windows_.begin());
  }
}

void TrafficMeter::Flush(std::vector<WindowSample>& out) {
  Settle(std::numeric_limits<int64_t>::max());
  Emit(std::numeric_limits<int64_t>::max(), out);
}

void TrafficMeter::Emit(int64_t before, std::vector<WindowSample>& out) {
  // Only the dirty windows are visited (not the 72 h of windows kept), in key order.
  std::vector<WindowKey> due;
  std::erase_if(dirty_, [&](const WindowKey& key) {
    if (key.first >= before) return false;
    due.push_back(key);
    return true;
  });
  std::sort(due.begin(), due.end());
  for (const auto& key : due) {
    auto it = windows_.find(key);
    if (it == windows_.end() || !it->second.dirty) continue;  // gone, or listed twice
    Window& w = it->second;
    w.dirty = false;
    // What the window reports: its attack, and its clean and outbound bytes with
    // --count-bytes. Unchanged (or nothing to report yet): nothing to post.
    const int64_t clean = count_bytes_ ? w.clean_in_bytes : 0;
    const int64_t outbound = count_bytes_ ? w.out_bytes : 0;
    const int64_t reported[3] = {w.attack_bytes, clean, outbound};
    if (w.revision < 0 && reported[0] == 0 && reported[1] == 0 && reported[2] == 0) continue;
    if (w.revision >= 0 && std::equal(reported, reported + 3, w.reported)) continue;
    std::copy(reported, reported + 3, w.reported);
    ++w.revision;
    MarkChanged(key, w);
    out.push_back({key.second, key.first, w.attack_bytes, clean, outbound, w.revision});
  }
}

std::string TrafficMeter::SaveState() { return Save(true); }
std::string TrafficMeter::SaveChanges() { return Save(false); }

std::string TrafficMeter::Save(bool all) {
  std::ostringstream o;
  o << "S " << settled_ << " " << newest_ << "\n";
  auto window = [&](const WindowKey& key, const Window& w) {
    o << "W " << key.first << " " << key.second.ToString() << " " << w.attack_bytes << " "
      << w.clean_in_bytes << " " << w.out_bytes << " " << w.revision << " " << w.dirty << " "
      << w.reported[0] << " " << w.reported[1] << " " << w.reported[2] << "\n";
  };
  if (all) {
    for (const auto& [key, w] : windows_) window(key, w);
  } else {
    for (const auto& key : changed_) {
      if (auto it = windows_.find(key); it != windows_.end()) window(key, it->second);
    }
  }
  for (const auto& key : changed_) {
    if (auto it = windows_.find(key); it != windows_.end()) it->second.changed = false;
  }
  changed_.clear();
  for (auto& [addr, ip] : ips_) {
    const int64_t from = all ? INT64_MIN : std::max(ip.changed_from, settled_);
    const int64_t to = all ? INT64_MAX : ip.changed_to;
    ip.changed_from = ip.changed_to = 0;
    if (from >= to) continue;
    ip.pending.ForEachBefore(to, [&](int64_t second, const Slot& s) {
      if (second < from) return;
      o << "P " << addr.ToString() << " " << second << " " << s.unknown_bytes << " "
        << s.attack_bytes << " " << s.clean_bytes << " " << s.out_bytes << " " << s.packets() << " "
        << s.syn << " " << s.udp << " " << s.icmp << "\n";
    });
  }
  for (const auto& u : units_) {
    o << "U " << u.config.name << " " << u.in_attack << " " << u.run << " " << u.last_second << " "
      << u.last_exceeded;
    for (const auto& i : u.history) o << " " << i.from << " " << i.to;
    o << "\n";
  }
  return o.str();
}

bool TrafficMeter::RestoreState(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string line;
  std::map<std::string, size_t> unit_at;
  for (size_t i = 0; i < units_.size(); ++i) unit_at[units_[i].config.name] = i;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string kind;
    f >> kind;
    if (kind == "S") {
      f >> settled_ >> newest_;
      SetOldest();
      // What that save had settled is gone from the unsettled seconds.
      for (auto& [_, ip] : ips_) pending_seconds_ -= ip.pending.DropBefore(settled_);
    } else if (kind == "W") {
      int64_t start = 0;
      std::string ip;
      Window w;
      f >> start >> ip >> w.attack_bytes >> w.clean_in_bytes >> w.out_bytes >> w.revision >>
          w.dirty >> w.reported[0] >> w.reported[1] >> w.reported[2];
      auto addr = common::IpAddress::Parse(ip);
      if (!f || !addr) return false;
      windows_[{start, *addr}] = w;
      if (w.dirty) dirty_.push_back({start, *addr});
    } else if (kind == "P") {
      std::string ip;
      int64_t second = 0;
      Slot s;
      int64_t packets = 0;
      f >> ip >> second >> s.unknown_bytes >> s.attack_bytes >> s.clean_bytes >> s.out_bytes >>
          packets >> s.syn >> s.udp >> s.icmp;
      s.other = packets - s.syn - s.udp - s.icmp;
      auto addr = common::IpAddress::Parse(ip);
      if (!f || !addr) return false;
      auto it = ips_.find(*addr);
      if (it == ips_.end()) continue;  // no longer protected
      if (s.empty()) continue;
      // The second's traffic becomes the saved one (a later save replaces an earlier).
      auto& ring = it->second.pending;
      if (!ring.Reserve(second, second + 1, kMaxPendingSeconds - pending_seconds_,
                        &pending_seconds_)) {
        return false;
      }
      s -= ring.ValueAt(second);
      ring.Add(second, second + 1, s);
    } else if (kind == "U") {
      std::string name;
      Unit u;
      f >> name >> u.in_attack >> u.run >> u.last_second >> u.last_exceeded;
      Interval i;
      while (f >> i.from >> i.to) u.history.push_back(i);
      auto it = unit_at.find(name);
      if (it == unit_at.end()) continue;
      Unit& target = units_[it->second];
      target.in_attack = u.in_attack;
      target.run = u.run;
      target.last_second = u.last_second;
      target.last_exceeded = u.last_exceeded;
      target.history = std::move(u.history);
    } else if (!kind.empty()) {
      return false;
    }
  }
  stats_.attacks_open = 0;
  for (const auto& u : units_) stats_.attacks_open += u.in_attack;
  return true;
}

}  // namespace rampart::collect
