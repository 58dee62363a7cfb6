#include "collect/collector.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "agent/api_client.h"
#include "agent/config_watcher.h"
#include "agent/metrics_server.h"
#include "agent/metrics_text.h"
#include "agent/state_dir.h"
#include "agent/stop_signals.h"
#include "agent/usage_outbox.h"
#include "collect/datagram_receiver.h"
#include "collect/flow_decoder.h"
#include "collect/meter_config.h"
#include "collect/pcap.h"
#include "collect/sflow_decoder.h"
#include "collect/state_journal.h"
#include "collect/traffic_meter.h"
#include "common/file_io.h"
#include "common/socket_address.h"
#include "common/time.h"

namespace rampart::collect {
namespace {

namespace fs = std::filesystem;

std::string Rfc3339(int64_t unix_s) {
  return common::FormatRfc3339(common::Instant(common::Seconds(unix_s)));
}

// The CSV `rampart rate` reads, in (window start, ip) order.
std::string UsageCsv(const std::map<std::pair<int64_t, common::IpAddress>, WindowSample>& w) {
  std::string out = "window_start,window_s,ip,attack_bps,in_bytes,out_bytes\n";
  for (const auto& [key, s] : w) {
    out += Rfc3339(s.window_start) + ",60," + s.ip.ToString() + "," +
           std::to_string(s.attack_bps()) + "," + std::to_string(s.clean_in_bytes) + "," +
           std::to_string(s.out_bytes) + "\n";
  }
  return out;
}

common::Result<boost::json::value> ReadJson(const std::string& path) {
  const std::string text = RAMPART_TRY(common::ReadFile(path));
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec) return common::Fail(common::Code::kInvalidConfig, path + " is not JSON: " + ec.message());
  return v;
}

std::string SampleLine(const WindowSample& s, const std::string& source) {
  return "{\"ip\":\"" + s.ip.ToString() + "\",\"window_start\":\"" + Rfc3339(s.window_start) +
         "\",\"window_s\":60,\"attack_bps\":" + std::to_string(s.attack_bps()) +
         ",\"in_bytes\":" + std::to_string(s.clean_in_bytes) +
         ",\"out_bytes\":" + std::to_string(s.out_bytes) + ",\"source\":\"" + source +
         "\",\"revision\":" + std::to_string(s.revision) + "}";
}

uint32_t SamplingFor(const CollectOptions& o, const common::IpAddress& exporter) {
  auto it = o.sampling.find(exporter);
  return it == o.sampling.end() ? 0 : it->second;
}

}  // namespace

// One datagram through the decoder of its protocol (sFlow starts with the 32-bit version 5,
// NetFlow and IPFIX with a 16-bit version) into `out`.
void DecodeDatagram(const Datagram& d, FlowDecoder& flows, SflowDecoder& sflow,
                    std::vector<FlowRecord>& out) {
  if (SflowDecoder::Recognises(d.payload)) {
    sflow.Decode(d.payload, d.exporter, d.arrival_us / 1000, out);
  } else {
    flows.Decode(d.payload, d.exporter, out);
  }
}

int RunReplay(const CollectOptions& o) {
  auto doc = ReadJson(o.resources_path);
  if (!doc) {
    std::cerr << "error: " << doc.error().message << "\n";
    return doc.error().code == common::Code::kIoError ? 2 : 1;
  }
  auto units = UnitsFromJson(*doc);
  if (!units) {
    std::cerr << "error: " << o.resources_path << ": " << units.error().message << "\n";
    return 1;
  }
  FlowDecoder decoder;
  SflowDecoder sflow;
  TrafficMeter meter(o.grace_s, o.count_bytes);
  meter.Configure(*units);
  std::map<std::pair<int64_t, common::IpAddress>, WindowSample> final_windows;
  std::vector<WindowSample> emitted;
  std::vector<FlowRecord> records;
  auto keep = [&] {
    for (const auto& s : emitted) final_windows[{s.window_start, s.ip}] = s;
    emitted.clear();
  };
  uint64_t datagrams = 0, skipped = 0;
  int64_t clock_s = INT64_MIN;
  for (const auto& path : o.replay) {
    auto reader = PcapReader::Open(path);
    if (!reader) {
      std::cerr << "error: " << reader.error().message << "\n";
      return reader.error().code == common::Code::kIoError ? 2 : 1;
    }
    Datagram d;
    while (true) {
      auto next = (*reader)->Next(&d);
      if (!next) {
        std::cerr << "error: " << path << ": " << next.error().message << "\n";
        return 1;
      }
      if (!*next) break;
      ++datagrams;
      records.clear();
      DecodeDatagram(d, decoder, sflow, records);
      const uint32_t sampling = SamplingFor(o, d.exporter);
      meter.Add(records, sampling);
      const int64_t now_s = d.arrival_us / 1'000'000;
      if (now_s > clock_s) {
        clock_s = now_s;
        meter.Advance(now_s, emitted);
        keep();
      }
    }
    skipped += (*reader)->skipped();
  }
  meter.Flush(emitted);
  keep();
  const std::string csv = UsageCsv(final_windows);
  if (o.usage_out == "-" || o.usage_out.empty()) {
    std::cout << csv;
  } else if (auto w = common::WriteFileAtomically(o.usage_out, csv); !w) {
    std::cerr << "error: " << w.error().message << "\n";
    return 2;
  }
  const auto& ds = decoder.stats();
  const auto& ms = meter.stats();
  uint64_t bad = 0;
  for (auto n : ds.issues) bad += n;
  const auto& ss = sflow.stats();
  for (auto n : ss.issues) bad += n;
  std::cerr << "replayed " << datagrams << " datagrams (" << ss.datagrams << " sFlow; " << skipped
            << " other packets skipped): " << ds.records + ss.records << " flow records, "
            << ms.records << " of protected IPs, " << bad << " decode problems, "
            << ds.lost + ss.lost << " lost by sequence numbers, " << ms.attacks_started
            << " attacks; " << final_windows.size() << " windows\n";
  return 0;
}

namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

constexpr size_t kSamplesPerBatch = 5'000;

common::Result<sockaddr_storage> ParseAddr(const std::string& text, socklen_t* len) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos)
    return common::Fail(common::Code::kInvalidOption, text + " is not ADDR:PORT");
  std::string host = text.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(text.substr(colon + 1));
  } catch (...) {
  }
  if (port < 0 || port > 65535)
    return common::Fail(common::Code::kInvalidOption, text + ": bad port");
  auto ip = common::IpAddress::Parse(host);
  if (!ip) return common::Fail(common::Code::kInvalidOption, text + ": not an IP address and port");
  sockaddr_storage ss{};
  *len = common::ToSockAddr(*ip, static_cast<uint16_t>(port), ss);
  return ss;
}

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A UDP socket flow exports arrive on (--netflow or --sflow).
struct Listener {
  std::string flag;      // "--netflow"
  std::string protocol;  // "netflow", the metrics' label
  int fd = -1;
  common::IpAddress ip;
  uint16_t port = 0;
  uint64_t datagrams = 0;  // under the receive loop's stats lock
};

// Binds `address` (ADDR:PORT) with a 32 MiB receive buffer and UDP GRO. Prints the error and
// returns false (exit code in *exit_code) when it cannot.
bool OpenListener(const std::string& address, Listener& l, int* exit_code) {
  socklen_t addr_len = 0;
  auto addr = ParseAddr(address, &addr_len);
  if (!addr) {
    std::cerr << "error: " << l.flag << " " << addr.error().message << "\n";
    *exit_code = 1;
    return false;
  }
  l.fd = ::socket(addr->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1, rcvbuf = 32 << 20;
  if (l.fd >= 0) {
    ::setsockopt(l.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ::setsockopt(l.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    DatagramReceiver::EnableGro(l.fd);
  }
  if (l.fd < 0 || ::bind(l.fd, reinterpret_cast<const sockaddr*>(&*addr), addr_len) != 0) {
    std::cerr << "error: cannot listen on " << address << " (" << l.flag
              << "): " << std::strerror(errno) << "\n";
    *exit_code = 2;
    return false;
  }
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  ::getsockname(l.fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  l.ip = common::FromSockAddr(bound, &l.port);
  return true;
}

}  // namespace

int RunLive(const CollectOptions& o) {
  if (o.server.empty() || o.key.empty()) {
    std::cerr << "error: live collection needs --server and --key (or --replay for offline)\n";
    return 1;
  }
  if (auto c = agent::ApiClient::Create(o.server, o.key, o.ca_file); !c) {
    std::cerr << "error: " << c.error().message << "\n";
    return 1;
  }
  if (o.netflow.empty() && o.sflow.empty()) {
    std::cerr << "error: nothing to listen on: give --netflow and/or --sflow\n";
    return 1;
  }
  const fs::path state_dir = o.state_dir;
  std::unique_ptr<agent::StateDir> state_lock;  // held while running
  if (!o.state_dir.empty()) {
    auto opened = agent::StateDir::Open(state_dir);
    if (!opened) {
      std::cerr << "error: " << opened.error().message << "\n";
      return opened.error().code == common::Code::kConflict ? 1 : 2;
    }
    state_lock = std::move(*opened);
  } else {
    std::cerr << "collect: warning: no --state-dir: a restart loses templates, unsent windows "
                 "and revisions\n";
  }
  if (!o.archive_dir.empty()) {
    std::error_code ec;
    fs::create_directories(o.archive_dir, ec);
    if (ec) {
      std::cerr << "error: cannot create --archive " << o.archive_dir << ": " << ec.message()
                << "\n";
      return 2;
    }
  }

  FlowDecoder decoder;
  TrafficMeter meter(o.grace_s, o.count_bytes);
  agent::UsageOutbox outbox("collect");
  // A configuration the config thread took, for the receive loop to apply.
  std::mutex config_mu;
  std::optional<std::vector<MeterUnit>> new_units;
  std::string config_version;
  uint64_t next_seq = 1;
  StateJournal journal(state_dir);
  // The state of the last run, and the configuration it had (used until the server answers).
  if (!o.state_dir.empty()) {
    if (auto doc = ReadJson((state_dir / "config.json").string())) {
      if (auto units = UnitsFromJson(*doc)) {
        meter.Configure(*units);
        if (const auto* v = doc->as_object().if_contains("version"); v && v->is_string()) {
          config_version = std::string(v->as_string());
        }
      }
    }
    auto parts = journal.Load();
    if (!parts) {
      std::cerr << "error: " << parts.error().message << "\n";
      return 2;
    }
    // Each part (the snapshot, then each journal record) has the sections "== templates",
    // "== meter" and "== outbox" (the snapshot's outbox whole: "B seq id n" and n lines; a
    // record's as changes: "B" added, "D seq" sent), each optional in a record.
    for (size_t p = 0; p < parts->size(); ++p) {
      const std::string& text = (*parts)[p];
      auto section = [&](const std::string& name) -> std::optional<std::string_view> {
        const std::string mark = "== " + name + "\n";
        size_t from = 0;
        if (text.compare(0, mark.size(), mark) == 0) {
          from = mark.size();
        } else if (const size_t at = text.find("\n" + mark); at != std::string::npos) {
          from = at + 1 + mark.size();
        } else {
          return std::nullopt;
        }
        // Up to the next section's mark (bodies never start a line with "== ").
        const size_t next = text.compare(from, 3, "== ") == 0 ? from : text.find("\n== ", from);
        const size_t to = next == from || next == std::string::npos ? next : next + 1;
        return std::string_view(text).substr(
            from, to == std::string::npos ? std::string::npos : to - from);
      };
      const auto templates = section("templates");
      const auto meter_state = section("meter");
      if ((templates && !decoder.LoadTemplates(*templates)) ||
          (meter_state && !meter.RestoreState(*meter_state))) {
        std::cerr << "error: " << o.state_dir << " is damaged (part " << p
                  << "); move state and journal away to start afresh\n";
        return 1;
      }
      std::istringstream ob{std::string(section("outbox").value_or(""))};
      std::string line;
      while (std::getline(ob, line)) {
        std::istringstream f(line);
        std::string kind;
        agent::UsageBatch b;
        f >> kind >> b.seq >> b.id >> b.samples;
        if (kind == "N") {
          next_seq = b.seq;
        } else if (kind == "D") {
          outbox.With([&](auto& q) {
            std::erase_if(q, [&](const agent::UsageBatch& x) { return x.seq == b.seq; });
          });
        } else if (kind == "B") {
          for (size_t i = 0; i < b.samples && std::getline(ob, line); ++i) b.body += line + "\n";
          next_seq = std::max(next_seq, b.seq + 1);
          outbox.With([&](auto& q) {
            if (std::none_of(q.begin(), q.end(),
                             [&](const agent::UsageBatch& x) { return x.seq == b.seq; })) {
              q.push_back(std::move(b));
            }
          });
        }
      }
    }
    if (!parts->empty()) {
      outbox.MarkPersisted(next_seq - 1);
      std::cerr << "collect: resumed from " << o.state_dir << " (" << decoder.template_count()
                << " templates, " << outbox.stats().queued << " batches to send, "
                << parts->size() - 1 << " journal records)\n";
    }
  }

  std::vector<Listener> listeners;
  for (const auto& [flag, protocol, address] :
       {std::tuple{"--netflow", "netflow", o.netflow}, std::tuple{"--sflow", "sflow", o.sflow}}) {
    if (address.empty()) continue;
    Listener& l = listeners.emplace_back();
    l.flag = flag;
    l.protocol = protocol;
    if (int code = 0; !OpenListener(address, l, &code)) {
      for (const auto& open : listeners) {
        if (open.fd >= 0) ::close(open.fd);
      }
      return code;
    }
    std::cerr << "collect: " << (l.protocol == "sflow" ? "sFlow v5" : "NetFlow/IPFIX") << " on "
              << l.ip.ToString() << ":" << l.port << "\n";
  }
  std::cerr << "collect: source " << o.source << ", grace " << o.grace_s << " s\n";
  auto close_listeners = [&] {
    for (const auto& l : listeners) ::close(l.fd);
  };

  agent::HandleStopSignals(OnSignal);

  // Counters of the receive loop (read by the metrics thread under its own lock).
  std::mutex stats_mu;
  uint64_t bytes_in = 0, archive_errors = 0, windows_emitted = 0, revisions_emitted = 0;
  FlowDecoder::Stats decoder_stats;
  SflowDecoder sflow;
  SflowDecoder::Stats sflow_stats;
  TrafficMeter::Stats meter_stats;
  DatagramReceiver::Stats receiver_stats;
  std::unique_ptr<agent::ConfigWatcher> config;
  std::unique_ptr<agent::MetricsServer> metrics;
  if (!o.metrics.empty()) {
    auto m = agent::MetricsServer::Start(o.metrics, [&] {
      agent::MetricsText out;
      const auto counter = [&](std::string_view name, std::string_view help, uint64_t n) {
        out.One(name, "counter", help, n);
      };
      {
        std::lock_guard lock(stats_mu);
        out.Family("rampart_collect_datagrams_total", "counter",
                   "Datagrams received, by protocol.");
        for (const auto& l : listeners) {
          out.Sample("rampart_collect_datagrams_total", "protocol=\"" + l.protocol + "\"",
                     l.datagrams);
        }
        counter("rampart_collect_bytes_received_total", "Bytes of datagrams received.", bytes_in);
        counter("rampart_collect_receives_total",
                "Messages the kernel handed over: with UDP GRO, several datagrams each.",
                receiver_stats.messages);
        counter("rampart_collect_receives_truncated_total",
                "Messages longer than the 64 KiB receive buffer (a GRO limit raised past it): "
                "the datagrams past it are lost.",
                receiver_stats.truncated);
        out.Family("rampart_collect_records_total", "counter", "Flow records decoded, by protocol.")
            .Sample("rampart_collect_records_total", "protocol=\"netflow\"", decoder_stats.records)
            .Sample("rampart_collect_records_total", "protocol=\"sflow\"", sflow_stats.records);
        counter("rampart_collect_sflow_samples_total", "sFlow flow samples read.",
                sflow_stats.samples);
        counter("rampart_collect_sflow_samples_not_ip_total",
                "sFlow samples of a packet that is not IP skipped.", sflow_stats.not_ip);
        counter("rampart_collect_records_protected_total", "Records of a protected IP, metered.",
                meter_stats.records);
        counter("rampart_collect_records_unprotected_total",
                "Records of an IP no resource protects skipped.", meter_stats.unprotected);
        counter("rampart_collect_records_late_total",
                "Records for seconds already settled (their window posted again as a revision).",
                meter_stats.late);
        counter("rampart_collect_records_too_old_total", "Records older than 72 h dropped.",
                meter_stats.too_old);
        counter("rampart_collect_records_bad_time_total",
                "Records with times before 1970 or after 2286 dropped.", meter_stats.bad_time);
        counter("rampart_collect_records_overflow_total",
                "Records dropped because a table reached its bound.", meter_stats.overflow);
        out.Family("rampart_collect_sequence_lost_total", "counter",
                   "Records or samples the exporters' sequence numbers say were lost.")
            .Sample("rampart_collect_sequence_lost_total", "protocol=\"netflow\"",
                    decoder_stats.lost)
            .Sample("rampart_collect_sequence_lost_total", "protocol=\"sflow\"", sflow_stats.lost);
        counter("rampart_collect_unknown_template_held_total",
                "Data sets held until their template arrives.", decoder_stats.held);
        counter("rampart_collect_unknown_template_decoded_total",
                "Held data sets decoded once their template arrived.", decoder_stats.held_decoded);
        counter("rampart_collect_unknown_template_expired_total",
                "Held data sets dropped: their template never came.", decoder_stats.held_expired);
        out.Family("rampart_collect_decode_errors_total", "counter",
                   "Malformed datagrams or records, by protocol and reason skipped.");
        for (size_t i = 0; i < decoder_stats.issues.size(); ++i) {
          const std::string reason(ToString(static_cast<DecodeIssue>(i)));
          out.Sample("rampart_collect_decode_errors_total",
                     "protocol=\"netflow\",reason=\"" + reason + "\"", decoder_stats.issues[i])
              .Sample("rampart_collect_decode_errors_total",
                      "protocol=\"sflow\",reason=\"" + reason + "\"", sflow_stats.issues[i]);
        }
        counter("rampart_collect_archive_errors_total", "Datagrams the archive failed to write.",
                archive_errors);
        counter("rampart_collect_windows_emitted_total", "Windows posted for the first time.",
                windows_emitted);
        counter("rampart_collect_revisions_emitted_total",
                "Windows posted again with later records revisions.", revisions_emitted);
        counter("rampart_collect_attacks_started_total", "Attacks detected.",
                meter_stats.attacks_started);
        out.One("rampart_collect_attacks_open", "gauge", "Attacks in progress.",
                meter_stats.attacks_open);
      }
      const auto posted = outbox.stats();
      counter("rampart_collect_batches_posted_total", "Usage batches the server accepted.",
              posted.batches_posted);
      counter("rampart_collect_samples_posted_total", "Usage samples posted.",
              posted.samples_posted);
      counter("rampart_collect_samples_rejected_total", "Usage samples the server refused.",
              posted.samples_rejected);
      counter("rampart_collect_post_failures_total", "Failed posts retried.", posted.post_failures);
      counter("rampart_collect_batches_dropped_total",
              "Batches dropped after 72 h of failed posts.", posted.batches_dropped);
      out.One("rampart_collect_spool_batches", "gauge", "Batches waiting to be posted.",
              posted.queued);
      std::lock_guard lock(config_mu);
      if (config) {
        const auto c = config->stats();
        counter("rampart_collect_config_updates_total", "Configuration documents applied.",
                c.updates);
        counter("rampart_collect_config_failures_total", "Failed configuration reads.", c.failures);
        out.One("rampart_collect_config_age_seconds", "gauge",
                "Seconds since the configuration was last read (-1: never).",
                c.fetched_at_s ? NowUs() / 1'000'000 - c.fetched_at_s : -1);
      }
      return out.str();
    });
    if (!m) {
      std::cerr << "error: --metrics " << m.error().message << "\n";
      close_listeners();
      return 2;
    }
    metrics = std::move(*m);
  }

  if (auto started = outbox.Start(o.server, o.key, o.ca_file); !started) {
    std::cerr << "error: " << started.error().message << "\n";
    close_listeners();
    return 1;
  }
  {
    auto watcher = agent::ConfigWatcher::Start(
        o.server, o.key, o.ca_file, config_version, "collect",
        [&](const boost::json::value& doc, const std::string& body) -> common::Result<void> {
          auto units = RAMPART_TRY(UnitsFromJson(doc));
          if (!o.state_dir.empty())
            (void)common::WriteFileAtomically(fs::path(o.state_dir) / "config.json", body);
          std::lock_guard lock(config_mu);
          new_units = std::move(units);
          return {};
        });
    if (!watcher) {
      std::cerr << "error: " << watcher.error().message << "\n";
      close_listeners();
      return 1;
    }
    std::lock_guard lock(config_mu);
    config = std::move(*watcher);
  }

  DatagramReceiver receiver;
  std::vector<FlowRecord> records;
  records.reserve(1024);
  std::vector<WindowSample> emitted;
  std::unique_ptr<PcapWriter> archive;
  int64_t archive_hour = -1;
  int64_t last_tick_s = 0;
  bool dirty = true;
  const auto started = std::chrono::steady_clock::now();
  // Every datagram into the hour's archive file (netflow-20261126T020000Z.pcap: the name
  // predates sFlow; both protocols share the file, told apart by their ports and content).
  auto archive_datagram = [&](const Datagram& d, const common::IpAddress& collector) {
    const int64_t hour = d.arrival_us / 3'600'000'000;
    if (hour != archive_hour) {
      std::string name = Rfc3339(hour * 3600);  // 2026-11-26T02:00:00Z
      name.erase(
          std::remove_if(name.begin(), name.end(), [](char c) { return c == '-' || c == ':'; }),
          name.end());
      auto w = PcapWriter::Open((fs::path(o.archive_dir) / ("netflow-" + name + ".pcap")).string());
      if (w) {
        archive = std::move(*w);
        archive_hour = hour;
      } else {
        ++archive_errors;
      }
    }
    if (archive && !archive->Write(d, collector)) ++archive_errors;
  };

  bool need_snapshot = true;
  std::string saved_templates;
  std::set<uint64_t> journaled_seqs;  // the batches the state on disk holds
  auto persist = [&] {
    if (o.state_dir.empty()) {
      outbox.MarkPersisted(next_seq - 1);
      return;
    }
    // A full snapshot at the start, after a failed append, and when the journal has grown
    // past the snapshot (or 64 MiB); otherwise a record of what changed this second.
    const bool full = need_snapshot || journal.journal_bytes() >
                                           std::max<uint64_t>(64 << 20, journal.snapshot_bytes());
    std::string templates = decoder.SaveTemplates();
    std::string text;
    if (full || templates != saved_templates) text += "== templates\n" + templates;
    text += "== meter\n" + (full ? meter.SaveState() : meter.SaveChanges());
    text += "== outbox\nN " + std::to_string(next_seq) + " - 0\n";
    std::set<uint64_t> in_outbox;
    outbox.TakeChanged();
    outbox.With([&](const auto& queue) {
      for (const auto& b : queue) {
        in_outbox.insert(b.seq);
        if (!full && journaled_seqs.count(b.seq)) continue;
        text += "B " + std::to_string(b.seq) + " " + b.id + " " + std::to_string(b.samples) + "\n" +
                b.body;
      }
    });
    if (!full) {
      for (uint64_t seq : journaled_seqs) {
        if (!in_outbox.count(seq)) text += "D " + std::to_string(seq) + " - 0\n";
      }
    }
    auto written = full ? journal.WriteSnapshot(text) : journal.Append(text);
    if (!written) {
      need_snapshot = true;  // the changes taken for this record are not on disk
      std::cerr << "collect: " << written.error().message << "; nothing is sent until the state "
                << "can be written\n";
      return;
    }
    need_snapshot = false;
    saved_templates = std::move(templates);
    journaled_seqs = std::move(in_outbox);
    outbox.MarkPersisted(next_seq - 1);
  };

  while (!g_stop) {
    if (o.max_seconds > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >=
            o.max_seconds) {
      break;
    }
    std::array<pollfd, 2> polls{};
    for (size_t i = 0; i < listeners.size(); ++i) polls[i] = {listeners[i].fd, POLLIN, 0};
    ::poll(polls.data(), listeners.size(), 100);
    for (size_t li = 0; li < listeners.size(); ++li) {
      Listener& l = listeners[li];
      if ((polls[li].revents & POLLIN) == 0) continue;
      while (true) {
        const int n = receiver.Receive(l.fd);
        if (n == 0) break;
        const int64_t arrival_us = NowUs();
        std::lock_guard lock(stats_mu);
        for (int i = 0; i < n; ++i) {
          receiver.ForEachDatagram(
              i, [&](std::span<const uint8_t> payload, const sockaddr_storage& from) {
                Datagram d;
                d.arrival_us = arrival_us;
                d.exporter = common::FromSockAddr(from, &d.exporter_port);
                d.collector_port = l.port;
                d.payload = payload;
                ++l.datagrams;
                bytes_in += d.payload.size();
                if (!o.archive_dir.empty()) archive_datagram(d, l.ip);
                records.clear();
                DecodeDatagram(d, decoder, sflow, records);
                const uint32_t sampling = SamplingFor(o, d.exporter);
                meter.Add(records, sampling);
              });
          dirty = true;
        }
        decoder_stats = decoder.stats();
        sflow_stats = sflow.stats();
        receiver_stats = receiver.stats();
        meter_stats = meter.stats();
        if (n < static_cast<int>(DatagramReceiver::kBatch)) break;
      }
    }
    const int64_t now_s = NowUs() / 1'000'000;
    if (now_s == last_tick_s) continue;
    last_tick_s = now_s;
    {
      std::lock_guard lock(config_mu);
      if (new_units) {
        meter.Configure(*new_units);
        new_units.reset();
        dirty = true;
      }
    }
    { dirty |= outbox.TakeChanged(); }
    if (archive && !archive->Flush()) ++archive_errors;
    emitted.clear();
    meter.Advance(now_s, emitted);
    if (!emitted.empty()) {
      std::lock_guard lock(stats_mu);
      for (const auto& s : emitted) (s.revision == 0 ? windows_emitted : revisions_emitted)++;
      meter_stats = meter.stats();
    }
    for (size_t at = 0; at < emitted.size(); at += kSamplesPerBatch) {
      agent::UsageBatch b;
      b.seq = next_seq++;
      b.id = o.source + "-" + std::to_string(NowUs()) + "-" + std::to_string(b.seq);
      for (size_t i = at; i < std::min(emitted.size(), at + kSamplesPerBatch); ++i) {
        b.body += SampleLine(emitted[i], o.source) + "\n";
        ++b.samples;
      }
      outbox.Push(std::move(b));
      dirty = true;
    }
    if (dirty) {
      persist();
      dirty = false;
    }
  }
  // Stop: what is unsent stays in the state; give the poster a moment to send it.
  persist();
  outbox.Drain(std::chrono::seconds(5));
  {
    std::unique_ptr<agent::ConfigWatcher> stopping;
    std::lock_guard lock(config_mu);
    stopping = std::move(config);
  }
  persist();
  if (archive) archive->Flush();
  close_listeners();
  uint64_t datagrams = 0;
  for (const auto& l : listeners) datagrams += l.datagrams;
  std::cerr << "collect: stopped (" << datagrams << " datagrams, "
            << decoder.stats().records + sflow.stats().records << " records)\n";
  return 0;
}

}  // namespace rampart::collect
