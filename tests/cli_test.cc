// The `rampart` binary end to end: real processes, real files, exit codes and output.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rampart_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  static std::string Read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // Runs `rampart <args>` with `stdin_text` on standard input.
  Outcome Rampart(const std::string& args, const std::string& stdin_text = "") {
    const std::string in = Write("stdin", stdin_text);
    const std::string cmd = std::string(RAMPART_BINARY) + " " + args + " <" + in + " >" +
                            (dir_ / "stdout").string() + " 2>" + (dir_ / "stderr").string();
    const int status = std::system(cmd.c_str());
    Outcome r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = Read(dir_ / "stdout");
    r.err = Read(dir_ / "stderr");
    return r;
  }
  std::string Example(const char* name) {
    return std::string(RAMPART_SOURCE_DIR) + "/examples/" + name;
  }

  fs::path dir_;
};

const char* kHeader = "window_start,window_s,ip,attack_bps,in_bytes,out_bytes\n";
const char* kOneHdip = R"([{"id": "r1", "tenant": "acme", "product": "hdip", "region": "cn-south",
  "line": "bgp", "ips": ["203.0.113.7"], "base_gbps": 20, "elastic_gbps": 50,
  "forwarding_mode": "by_traffic", "state": "running"}])";

TEST_F(Cli, RatesTheShippedExample) {
  Outcome r = Rampart("rate --resources " + Example("resources.json") + " --usage " +
                      Example("usage.csv") + " --day 2026-11-26");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto bills = boost::json::parse(r.out).as_array();
  ASSERT_EQ(bills.size(), 2u);
  EXPECT_EQ(bills[0].at("tenant").as_string(), "acme");
  EXPECT_EQ(bills[0].at("total").as_string(), "4713.80");  // 3,500 + 460.80 + 0 + 753
  EXPECT_EQ(bills[1].at("tenant").as_string(), "globex");
  EXPECT_EQ(bills[1].at("total").as_string(), "2200.00");  // worked example 10's packet
  EXPECT_NE(r.err.find("2883 accepted"), std::string::npos) << r.err;
}

TEST_F(Cli, ReportsBadRowsWithLineNumbersAndSkipsThem) {
  const std::string usage =
      Write("usage.csv", std::string(kHeader) +
                             "2026-11-26T02:00:00Z,60,203.0.113.7,45000000000,0,0\n"
                             "2026-11-26T02:01:00Z,60,203.0.113.7,-5,0,0\n"
                             "2026-11-26T02:02:00Z,60,203.0.113.99,1,0,0\n"
                             "2026-11-26T02:03:30Z,60,203.0.113.7,1,0,0\n"
                             "garbage\n"
                             "2026-11-26T02:00:00Z,60,203.0.113.7,45000000000,0,0\n"  // repeat
                             "2026-11-26T02:00:00Z,60,203.0.113.7,46000000000,0,0\n"  // conflict
                             "2026-11-27T02:00:00Z,60,203.0.113.7,99000000000,0,0\n");
  Outcome r = Rampart("rate --resources " + Write("r.json", kOneHdip) + " --usage " + usage +
                      " --day 2026-11-26");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(usage + ":3: negative_value"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(usage + ":4: unknown_ip"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(usage + ":5: unaligned_window"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(usage + ":6: bad_row"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(usage + ":8: conflict"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("8 rows: 1 accepted, 0 replaced, 1 duplicates, 1 outside the day, 5 bad"),
            std::string::npos)
      << r.err;
  const auto bills = boost::json::parse(r.out).as_array();
  EXPECT_EQ(bills[0].at("total").as_string(), "3500.00");
}

TEST_F(Cli, StrictStopsAtTheFirstBadRow) {
  const std::string usage = Write("usage.csv", std::string(kHeader) +
                                                   "2026-11-26T02:00:00Z,60,203.0.113.7,1,0,0\n"
                                                   "2026-11-26T02:01:00Z,60,203.0.113.7,x,0,0\n"
                                                   "2026-11-26T02:02:00Z,60,203.0.113.7,-1,0,0\n");
  Outcome r = Rampart("rate --strict --resources " + Write("r.json", kOneHdip) + " --usage " +
                      usage + " --day 2026-11-26");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find(":3: bad_row"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(":4:"), std::string::npos) << r.err;
}

TEST_F(Cli, ReadsUsageFromStdinAndWritesToAFile) {
  const std::string out = (dir_ / "bills.json").string();
  Outcome r = Rampart(
      "rate -q --resources " + Write("r.json", kOneHdip) + " --usage - --day 2026-11-26 -o " + out,
      std::string(kHeader) + "2026-11-26T02:00:00Z,60,203.0.113.7,30000000000,0,0\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(boost::json::parse(Read(out)).as_array()[0].at("total").as_string(), "1000.00");
  EXPECT_FALSE(fs::exists(out + ".tmp"));
}

TEST_F(Cli, RefusesBadResourcesNamingTheField) {
  const std::string usage = Write("usage.csv", kHeader);
  const std::pair<std::string, std::string> cases[] = {
      {R"([{"id": "r1", "product": "hdip", "region": "cn-south", "line": "bgp", "ips": ["1.2.3.4"], "base_gbps": 20, "colour": 1}])",
       "resources[0].colour is not a known field"},
      {R"([{"id": "r1", "product": "hdip", "region": "cn-south", "line": "bgp", "ips": ["1.2.3"], "base_gbps": 20}])",
       "resources[0].ips[0] must be an IPv4 or IPv6 address"},
      {R"([{"id": "r1", "product": "hdip", "region": "cn-south", "line": "bgp", "ips": ["1.2.3.4"], "base_gbps": 25}])",
       "resource r1: base_gbps 25 is not offered"},
      {R"({"id": "r1"})", "resources must be a JSON array"},
      {R"([{"id": "r1", "product": "hdip", "region": "cn-south", "line": "bgp", "ips": ["1.2.3.4"], "base_gbps": 20},
          {"id": "r2", "product": "hdip", "region": "cn-south", "line": "bgp", "ips": ["1.2.3.4"], "base_gbps": 20}])",
       "IP 1.2.3.4 is claimed by both r1 and r2"},
      {R"([{"id": "p", "product": "hdp", "region": "cn-east", "ip_count": 5, "ips": ["1.1.1.1","1.1.1.2","1.1.1.3","1.1.1.4","1.1.1.5","1.1.1.6"], "base_gbps": 20}])",
       "lists 6 IPs, more than the packet's ip_count 5"},
      {"[", "not valid JSON"},
  };
  for (const auto& [json, message] : cases) {
    Outcome r = Rampart("rate --resources " + Write("r.json", json) + " --usage " + usage +
                        " --day 2026-11-26");
    EXPECT_EQ(r.exit_code, 1) << json;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  }
}

TEST_F(Cli, RefusesBadDaysAndHeaders) {
  const std::string res = Write("r.json", kOneHdip);
  Outcome r = Rampart("rate --resources " + res + " --usage " + Write("u.csv", kHeader) +
                      " --day 2026-02-30");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--day"), std::string::npos);
  r = Rampart("rate --resources " + res + " --usage " + Write("u2.csv", "a,b\n") +
              " --day 2026-11-26");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("header"), std::string::npos);
  r = Rampart("rate --resources " + res + " --usage /nonexistent.csv --day 2026-11-26");
  EXPECT_EQ(r.exit_code, 2);
  r = Rampart("rate --resources " + res);  // --usage and --day missing
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--usage"), std::string::npos) << r.err;
}

TEST_F(Cli, QuotesFromFlagsOrJson) {
  Outcome r = Rampart(
      "quote --product hdip --region cn-south --line bgp --base 30 --months 6 --quantity 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(boost::json::parse(r.out).at("amount").as_string(), "261120.00");
  r = Rampart(
      R"(quote --json '{"product":"hdp","region":"cn-north","scope":"multi","ip_count":5,"base_gbps":20,"months":3}')");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(boost::json::parse(r.out).at("amount").as_string(), "69750.00");
  r = Rampart("quote --product hdp --region cn-north --base 20 --months 1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("a first hdp purchase is at least 3 months"), std::string::npos);
  r = Rampart("quote --product hdp --region cn-north --base 20 --months 1 --returning-customer");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Rampart("quote --product hdip --region cn-south --line bgp --base 20 --months 13");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("months 13 is not offered; allowed: 1-12, 24, 36"), std::string::npos);
}

TEST_F(Cli, QuotesWithAnOperatorsPriceBook) {
  std::string book = Rampart("pricebook default").out;
  const std::string from = "{ gbps = 30, monthly = 25600 }";
  book.replace(book.find(from), from.size(), "{ gbps = 30, monthly = 20000 }");
  Outcome r = Rampart("quote --pricebook " + Write("book.toml", book) +
                      " --product hdip --region cn-south --line bgp --base 30 --months 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(boost::json::parse(r.out).at("amount").as_string(), "20000.00");
}

TEST_F(Cli, PricebookCheckSaysWhatIsWrong) {
  Outcome r =
      Rampart("pricebook check " + std::string(RAMPART_SOURCE_DIR) + "/pricebook/default.toml");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok"), std::string::npos);
  std::string book = Rampart("pricebook default").out;
  book.replace(book.find("{ gbps = 20, monthly = 16600 }"), 30, "{ gbps = 20 }");
  const std::string path = Write("bad.toml", book);
  r = Rampart("pricebook check " + path);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(path + ":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("base tier without a monthly price"), std::string::npos) << r.err;
}

TEST_F(Cli, HelpNamesEverySubcommand) {
  Outcome r = Rampart("--help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* sub : {"quote", "rate", "pricebook"}) {
    EXPECT_NE(r.out.find(sub), std::string::npos) << sub;
  }
  r = Rampart("rate --help");
  EXPECT_NE(r.out.find("--strict"), std::string::npos);
}

}  // namespace
