// The report writers, on Reports built by hand: exact outputs per format.
#include "msgsim/report.h"
#include "sim/chain_book.h"
#include "tests/support/scenario_builder.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace msgsim {
namespace {

using json = nlohmann::ordered_json;

using testing::message;

// alice and bob exchange three messages. Under imessage, apple (and so
// us-gov, who compels it) reads #1 and #2 but not #3; under signal nobody
// outside the conversation reads anything.
Report sample_report() {
  Report r;
  r.title = "Bob keeps iCloud Backup on";
  r.description = "Alice switched iCloud Backup off. Does that protect her?";
  r.seed = 7;
  r.protocols = {"imessage", "signal"};
  r.actors = {{"alice", "Alice", ActorKind::kParty, "FR"},
              {"bob", "bob", ActorKind::kParty, "US"},
              {"apple", "Apple's servers", ActorKind::kProvider, "US"},
              {"us-gov", "US authorities", ActorKind::kAdversary, "US"}};
  r.messages = {message(1, 1, "alice", "bob", "On se voit à 18h ?"), message(2, 2, "bob", "alice", "Oui | ok"),
                message(3, 5, "alice", "bob", "Après, \"le café\", d'accord")};
  std::vector<std::string> names;
  for (const auto& a : r.actors) names.push_back(a.name);
  for (const auto& protocol : r.protocols) {
    ProtocolResult pr(protocol, r.messages.size(), names);
    for (const auto& m : r.messages) {
      for (std::size_t column = 0; column < r.actors.size(); ++column) {
        const Actor& a = r.actors[column];
        if (a.kind == ActorKind::kParty) {
          pr.set_readable(m.id, column, {});
        } else if (protocol == "imessage" && m.id != 3) {
          std::vector<std::string> how = {"bob's iPhone backup holds the Messages in iCloud key",
                                          "apple decrypted the copy, stored"};
          if (a.name == "us-gov") how.insert(how.begin(), "us-gov compelled apple at t=5");
          pr.set_readable(m.id, column, how);
        }
      }
    }
    if (protocol == "imessage") pr.notes = {"bob's backup ran at the end of ticks 1 and 2"};
    r.results.push_back(pr);
  }
  ExpectationResult ok;
  ok.protocol = "signal";
  ok.message = 1;
  ok.ok = true;
  ok.expected = ok.actual = {"alice", "bob"};
  ExpectationResult failed;
  failed.protocol = "imessage";
  failed.message = 1;
  failed.ok = false;
  failed.expected = {"alice", "bob"};
  failed.actual = {"alice", "apple", "bob", "us-gov"};
  r.expectations = {ok, failed};
  return r;
}

std::vector<std::string> keys(const json& object) {
  std::vector<std::string> out;
  for (const auto& item : object.items()) out.push_back(item.key());
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    out.push_back(text.substr(start, nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

std::size_t code_points(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0u) != 0x80u; }));
}

TEST(ParseFormat, KnowsTheFourFormats) {
  EXPECT_EQ(parse_format("table"), Format::kTable);
  EXPECT_EQ(parse_format("markdown"), Format::kMarkdown);
  EXPECT_EQ(parse_format("csv"), Format::kCsv);
  EXPECT_EQ(parse_format("json"), Format::kJson);
  EXPECT_EQ(parse_format("jsn"), std::nullopt);
  EXPECT_EQ(parse_format("JSON"), std::nullopt);
  EXPECT_EQ(parse_format(""), std::nullopt);
}

TEST(JsonReport, FollowsTheContractShape) {
  const std::string text = render(sample_report(), Format::kJson);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_TRUE(text.starts_with("{\n  \"schema\": 1,\n  \"title\": \"Bob keeps iCloud Backup on\",\n")) << text;
  const json j = json::parse(text);
  EXPECT_EQ(keys(j), (std::vector<std::string>{"schema", "title", "description", "seed", "protocols", "actors",
                                               "messages", "results", "expectations", "notes"}));
  EXPECT_EQ(j["schema"].get<int>(), 1);
  EXPECT_EQ(j["seed"].get<std::uint64_t>(), 7u);
  EXPECT_EQ(j["protocols"], json({"imessage", "signal"}));
  // Parties carry no country (as in the contract's example); the others do.
  EXPECT_EQ(j["actors"][0], json::parse(R"({"name":"alice","kind":"party","label":"Alice"})"));
  EXPECT_EQ(j["actors"][2],
            json::parse(R"({"name":"apple","kind":"provider","label":"Apple's servers","country":"US"})"));
  EXPECT_EQ(j["actors"][3]["kind"].get<std::string>(), "adversary");
  EXPECT_EQ(j["messages"][2], json::parse(R"({"id":3,"at":5,"from":"alice","to":["bob"],
                                              "text":"Après, \"le café\", d'accord"})"));
  EXPECT_EQ(j["expectations"][1], json::parse(R"({"protocol":"imessage","message":1,"ok":false,
      "expected":["alice","bob"],"actual":["alice","apple","bob","us-gov"]})"));
  EXPECT_EQ(j["notes"], json::parse(R"([{"protocol":"imessage","text":"bob's backup ran at the end of ticks 1 and 2"}])"));
}

TEST(JsonReport, HoldsOneResultPerProtocolMessageActorInOrder) {
  const json j = json::parse(render(sample_report(), Format::kJson));
  const json& results = j["results"];
  ASSERT_EQ(results.size(), 2u * 3u * 4u);
  std::size_t i = 0;
  for (const std::string protocol : {"imessage", "signal"})
    for (int m = 1; m <= 3; ++m)
      for (const std::string actor : {"alice", "bob", "apple", "us-gov"}) {
        const json& r = results[i++];
        EXPECT_EQ(keys(r), (std::vector<std::string>{"protocol", "message", "actor", "readable", "how"}));
        EXPECT_EQ(r["protocol"].get<std::string>(), protocol);
        EXPECT_EQ(r["message"].get<int>(), m);
        EXPECT_EQ(r["actor"].get<std::string>(), actor);
      }
  EXPECT_EQ(results[2], json::parse(R"({"protocol":"imessage","message":1,"actor":"apple","readable":true,
      "how":["bob's iPhone backup holds the Messages in iCloud key","apple decrypted the copy, stored"]})"));
  EXPECT_EQ(results[10], json::parse(R"({"protocol":"imessage","message":3,"actor":"apple","readable":false,
      "how":[]})"));
}

TEST(JsonReport, SeedIsNullWithoutOne) {
  Report r = sample_report();
  r.seed.reset();
  const json j = json::parse(render(r, Format::kJson));
  EXPECT_TRUE(j["seed"].is_null());
}

TEST(JsonReport, ACellMadeUnreadableAgainLosesItsChain) {
  Report r = sample_report();
  r.results[0].set_unreadable(1, 2);  // imessage, message 1, apple
  const json j = json::parse(render(r, Format::kJson));
  EXPECT_EQ(j["results"][2]["actor"].get<std::string>(), "apple");
  EXPECT_FALSE(j["results"][2]["readable"].get<bool>());
  EXPECT_EQ(j["results"][2]["how"], json::array());
  EXPECT_EQ(j["results"][3]["how"].size(), 3u);  // us-gov still reads it
}

TEST(Render, RefusesAReportWithAMissingActor) {
  Report r = sample_report();
  r.results[1] = ProtocolResult("signal", 3, {"alice", "bob", "apple"});
  for (Format f : {Format::kTable, Format::kMarkdown, Format::kCsv, Format::kJson})
    EXPECT_THROW(render(r, f), std::logic_error);
}

TEST(Render, RefusesAReportWithAMissingMessage) {
  Report r = sample_report();
  r.results[0] = ProtocolResult("imessage", 2, {"alice", "bob", "apple", "us-gov"});
  for (Format f : {Format::kTable, Format::kMarkdown, Format::kCsv, Format::kJson})
    EXPECT_THROW(render(r, f), std::logic_error);
}

TEST(ProtocolResult, KeepsEachDistinctLineOnce) {
  ProtocolResult pr("imessage", 2, {"alice", "apple"});
  const std::vector<std::string> one = {"stored on bob's iPhone (t=0): the key", "opened #1"};
  const std::vector<std::string> two = {"stored on bob's iPhone (t=0): the key", "opened #2"};
  pr.set_readable(1, 1, one);
  pr.set_readable(2, 1, two);
  EXPECT_EQ(pr.distinct_chain_lines(), 3u);
  EXPECT_EQ(pr.at(2, 1).how, two);
  EXPECT_EQ(pr.find(1, "apple")->how, one);
  EXPECT_FALSE(pr.find(1, "alice")->readable);
  EXPECT_FALSE(pr.find(1, "nobody").has_value());
  EXPECT_FALSE(pr.find(3, "apple").has_value());
  EXPECT_THROW(pr.set_readable(3, 0, one), std::out_of_range);
  // A copy keeps its own lines: the copy's views stay valid when the original goes.
  auto copy = std::make_unique<ProtocolResult>(pr);
  pr = ProtocolResult();
  EXPECT_EQ(copy->at(1, 1).how, one);
  copy->set_readable(1, 0, one);
  EXPECT_EQ(copy->distinct_chain_lines(), 3u);

  // A column copied from another result brings its lines, each once.
  ProtocolResult grid("imessage", 2, {"alice", "apple"});
  grid.set_readable(2, 0, two);
  grid.copy_column(1, *copy, 1);
  EXPECT_EQ(grid.how(1, 1), one);
  EXPECT_EQ(grid.how(2, 1), two);
  EXPECT_EQ(grid.how(2, 0), two);
  EXPECT_EQ(grid.distinct_chain_lines(), 3u);
}

TEST(ChainBook, GivesBackEachLineExactly) {
  ChainBook book;
  const std::vector<std::string> chain = {"received by p0002's iPhone (t=17): Signal message 12 (n=0, 007)", "",
                                          "opened x with y -> text of message 12", "  spaced  ",
                                          "t\u00e9l\u00e9phone de Ren\u00e9e 2026-11-30"};
  const ChainBook::ChainId id = book.add(chain);
  EXPECT_EQ(book.lines(id), chain);
  EXPECT_EQ(book.add(chain), id + 1);  // a chain per cell; its lines are shared
  EXPECT_EQ(book.distinct_lines(), chain.size());
  ChainBook other;
  EXPECT_EQ(other.lines(other.add(book, id)), chain);
}

TEST(Render, RefusesAReportWithoutResultsForAProtocol) {
  Report r = sample_report();
  r.results.pop_back();
  EXPECT_THROW(render(r, Format::kJson), std::logic_error);
}

TEST(StreamingReport, WritesTheBytesOfRenderProtocolByProtocol) {
  const Report r = sample_report();
  for (const Format format : {Format::kJson, Format::kCsv}) {
    std::ostringstream out;
    StreamingReport stream(format, out);
    stream.protocol(r, 0);
    const std::string after_first = out.str();
    EXPECT_NE(after_first.find("imessage"), std::string::npos);  // already out, before the run ends
    EXPECT_EQ(after_first.find("\"signal\"", after_first.find("\"results\"")), std::string::npos);
    stream.protocol(r, 1);
    stream.finish(r);
    EXPECT_EQ(out.str(), render(r, format));
  }
}

TEST(StreamingReport, WithoutProtocolsIsTheEmptyReport) {
  Report r = sample_report();
  r.protocols.clear();
  r.results.clear();
  std::ostringstream out;
  StreamingReport stream(Format::kJson, out);
  stream.finish(r);
  EXPECT_EQ(out.str(), render(r, Format::kJson));
}

TEST(StreamingReport, RefusesProtocolsOutOfOrderOrMissingAndTheSideBySideFormats) {
  const Report r = sample_report();
  std::ostringstream out;
  StreamingReport stream(Format::kJson, out);
  EXPECT_THROW(stream.protocol(r, 1), std::logic_error);
  stream.protocol(r, 0);
  EXPECT_THROW(stream.finish(r), std::logic_error);
  EXPECT_THROW(StreamingReport(Format::kTable, out), std::invalid_argument);
  EXPECT_THROW(StreamingReport(Format::kMarkdown, out), std::invalid_argument);
}

TEST(ProtocolResult, CellsSetInAnyOrderReadTheSameAndACopiedColumnReplacesTheOldOne) {
  ProtocolResult pr("signal", 5, {"alice", "bob"});
  pr.set_readable(4, 0, std::vector<std::string>{"four"});
  pr.set_readable(2, 0, std::vector<std::string>{"two"});
  pr.set_readable(5, 0, std::vector<std::string>{"five"});
  pr.set_readable(2, 0, std::vector<std::string>{"two again"});  // replaces, no second cell
  pr.set_unreadable(5, 0);
  pr.set_unreadable(3, 0);  // already unreadable: nothing changes
  EXPECT_EQ(pr.readers(2), (std::vector<std::string>{"alice"}));
  EXPECT_FALSE(pr.readable(1, 0));
  EXPECT_FALSE(pr.readable(5, 0));
  EXPECT_EQ(pr.how(2, 0), (std::vector<std::string>{"two again"}));
  EXPECT_EQ(pr.how(4, 0), (std::vector<std::string>{"four"}));
  EXPECT_THROW(pr.readable(6, 0), std::out_of_range);
  EXPECT_THROW(pr.readable(1, 2), std::out_of_range);

  pr.set_readable(1, 1, std::vector<std::string>{"old"});
  pr.copy_column(1, pr, 0);
  EXPECT_FALSE(pr.readable(1, 1));  // what column 1 held before is gone
  EXPECT_EQ(pr.how(2, 1), (std::vector<std::string>{"two again"}));
  EXPECT_EQ(pr.how(4, 1), (std::vector<std::string>{"four"}));
  EXPECT_EQ(pr.readings().size(), 10u);
}

TEST(ProtocolResult, ReleasedChainsKeepWhoReadsAndRefuseToSayHow) {
  ProtocolResult pr = sample_report().results[0];  // imessage: apple reads #1 through a chain
  const std::size_t apple = *pr.column("apple");
  ASSERT_FALSE(pr.how(1, apple).empty());
  const std::vector<std::string> readers = pr.readers(1);
  pr.release_chains();
  EXPECT_TRUE(pr.chains_released());
  EXPECT_EQ(pr.readers(1), readers);
  EXPECT_EQ(pr.readers(3), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_TRUE(pr.readable(1, apple));
  EXPECT_FALSE(pr.readable(3, apple));
  EXPECT_THROW(pr.how(1, apple), std::logic_error);
  EXPECT_TRUE(pr.how(3, apple).empty());  // unreadable: nothing to tell
  EXPECT_THROW(pr.set_readable(3, apple, {}), std::logic_error);
  EXPECT_THROW(pr.set_unreadable(1, apple), std::logic_error);
  for (int m = 1; m <= 3; ++m)  // every cell as before, read from the bits that stay
    for (std::size_t c = 0; c < pr.actors().size(); ++c)
      EXPECT_EQ(pr.readable(m, c), sample_report().results[0].readable(m, c)) << m << " " << c;
}

// A message the protocol's own channel did not carry says so in the
// recipient's cell, in every format: "sent as SMS" where it went as a text
// (read, here), "not delivered" where it reached nobody (issue 15).
TEST(Deliveries, EveryFormatSaysSentAsSmsOrNotDeliveredInTheRecipientsCell) {
  Report r = sample_report();
  r.results[0].set_unreadable(3, 1);                                      // bob never got message 3
  r.results[0].deliveries = {{1, "bob", "SMS"}, {3, "bob", ""}};  // sorted by (message, recipient)
  const std::string table = render(r, Format::kTable);
  EXPECT_NE(table.find("✔ sent as SMS"), std::string::npos) << table;
  EXPECT_NE(table.find("not delivered"), std::string::npos) << table;
  EXPECT_NE(table.find("#3 bob (not delivered)"), std::string::npos) << table;  // the explanation names it
  const std::string md = render(r, Format::kMarkdown);
  EXPECT_NE(md.find("| ✔ sent as SMS |"), std::string::npos) << md;
  EXPECT_NE(md.find("| not delivered |"), std::string::npos) << md;
  const json j = json::parse(render(r, Format::kJson));
  std::map<std::pair<int, std::string>, std::string> said;
  for (const auto& cell : j["results"])
    if (cell.contains("delivery"))
      said[{cell["message"].get<int>(), cell["protocol"].get<std::string>() + "/" + cell["actor"].get<std::string>()}] =
          cell["delivery"].get<std::string>();
  EXPECT_EQ(said, (std::map<std::pair<int, std::string>, std::string>{{{1, "imessage/bob"}, "sent as SMS"},
                                                                      {{3, "imessage/bob"}, "not delivered"}}));
  const std::string csv = render(r, Format::kCsv);
  EXPECT_NE(csv.find("imessage,1,1,alice,bob,bob,party,true,[],sent as SMS\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("imessage,3,5,alice,bob,bob,party,false,[],not delivered\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("signal,3,5,alice,bob,bob,party,true,[],\n"), std::string::npos) << csv;  // signal's own channel
}

TEST(CsvReport, HasOneQuotedRowPerCell) {
  Report r = sample_report();
  r.protocols = {"imessage"};
  r.messages.resize(1);
  r.actors.resize(3);
  r.results[0].set_unreadable(1, 1);
  EXPECT_EQ(render(r, Format::kCsv),
            "protocol,message,at,from,to,actor,actor_kind,readable,how,delivery\n"
            "imessage,1,1,alice,bob,alice,party,true,[],\n"
            "imessage,1,1,alice,bob,bob,party,false,[],\n"
            "imessage,1,1,alice,bob,apple,provider,true,\"[\"\"bob's iPhone backup holds the Messages in iCloud key\"\","
            "\"\"apple decrypted the copy, stored\"\"]\",\n");
}

// The records of an RFC 4180 text, each a list of fields.
std::vector<std::vector<std::string>> parse_csv(std::string_view text) {
  std::vector<std::vector<std::string>> records(1, std::vector<std::string>(1));
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted && c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
      records.back().back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == ',') {
      records.back().emplace_back();
    } else if (!quoted && c == '\n') {
      records.emplace_back(1);
    } else {
      records.back().back() += c;
    }
  }
  if (records.back() == std::vector<std::string>(1)) records.pop_back();  // after the last line break
  return records;
}

TEST(CsvReport, TheChainIsAJsonArrayThatAScriptReadsBack) {
  // The steps were joined with " | ", which a label may contain: a 3-step
  // chain read as 9 steps. Now `how` is a JSON array of the steps, in one
  // field, one line per cell.
  Report r = sample_report();
  const std::vector<std::string> how = {"held by \"Apple | iCloud | backups\"", "a, b | c\nd",
                                        "opened \\ | \u202E | done"};
  r.results[0].set_readable(1, 2, how);
  const std::string csv = render(r, Format::kCsv);
  EXPECT_EQ(lines(csv).size(), 1u + 2u * 3u * 4u);  // one line per cell: no raw line break
  const auto records = parse_csv(csv);
  ASSERT_EQ(records.size(), 1u + 2u * 3u * 4u);
  for (const auto& record : records) ASSERT_EQ(record.size(), 10u);  // ..., readable, how, delivery
  EXPECT_EQ(records[0][8], "how");
  EXPECT_EQ(records[3][5], "apple");
  EXPECT_EQ(json::parse(records[3][8]), json(how));
  EXPECT_EQ(records[3][8].find("\u202E"), std::string::npos) << "written as the JSON escape \\u202e";
  EXPECT_EQ(json::parse(records[4][8]), json(sample_report().results[0].how(1, 3)));
  EXPECT_EQ(json::parse(records[1][8]), json::array());  // a party reads its own message: no chain
  EXPECT_EQ(records[11][7], "false");  // imessage #3, apple
  EXPECT_EQ(json::parse(records[11][8]), json::array());
}

TEST(MarkdownReport, PastesAsTablesWithEscapedPipes) {
  Report r = sample_report();
  r.protocols = {"imessage"};
  r.results.resize(1);
  r.expectations.resize(1);
  r.expectations[0].protocol = "imessage";
  r.expectations[0].ok = false;
  r.expectations[0].actual = {"alice", "apple", "bob", "us-gov"};
  EXPECT_EQ(render(r, Format::kMarkdown), R"(# Bob keeps iCloud Backup on

Alice switched iCloud Backup off. Does that protect her?

- Parties: **alice** (Alice), **bob**
- Providers: **apple** (Apple's servers, US)
- Adversaries: **us-gov** (US authorities, US)

Seed: 7.

## imessage

| Message | alice | bob | apple | us-gov |
|---|:-:|:-:|:-:|:-:|
| #1 alice → bob, t=1: “On se voit à 18h ?” | ✔ | ✔ | ✔ | ✔ |
| #2 bob → alice, t=2: “Oui \| ok” | ✔ | ✔ | ✔ | ✔ |
| #3 alice → bob, t=5: “Après, "le café", d'accord” | ✔ | ✔ | · | · |

> Note: bob's backup ran at the end of ticks 1 and 2

## Summary

Messages each actor can read, out of 3.

| Actor | imessage |
|---|--:|
| alice (party) | 3/3 |
| bob (party) | 3/3 |
| apple (provider) | 2/3 |
| us-gov (adversary) | 2/3 |

## How the messages were read

### imessage

- **apple** reads #1 (alice → bob), #2 (bob → alice), the same way (the chain of #1):
  1. bob's iPhone backup holds the Messages in iCloud key
  2. apple decrypted the copy, stored
- **us-gov** reads #1 (alice → bob), #2 (bob → alice), the same way (the chain of #1):
  1. us-gov compelled apple at t=5
  2. bob's iPhone backup holds the Messages in iCloud key
  3. apple decrypted the copy, stored

Every sender and recipient reads their own messages.

## Expectations

- ✘ **failed**: imessage #1: readable by alice, apple, bob, us-gov; expected alice, bob
)");
}

TEST(MarkdownReport, EscapesMarkupInFreeText) {
  Report r = sample_report();
  r.title = "A *bold* | claim";
  r.description = "# not a heading\n1. not a list\nplain <b>html</b>";
  r.messages[0].text = "a|b\nc_d";
  const std::string md = render(r, Format::kMarkdown);
  EXPECT_TRUE(md.starts_with("# A \\*bold\\* \\| claim\n\n\\# not a heading\n1\\. not a list\nplain \\<b>html\\</b>\n"))
      << md;
  EXPECT_NE(md.find("“a\\|b c\\_d”"), std::string::npos) << md;
}

TEST(MarkdownReport, WithoutExplainHasNoChains) {
  RenderOptions options;
  options.explain = false;
  const std::string md = render(sample_report(), Format::kMarkdown, options);
  EXPECT_EQ(md.find("How the messages were read"), std::string::npos);
  EXPECT_EQ(md.find("apple decrypted the copy"), std::string::npos);
  EXPECT_NE(md.find("## Summary"), std::string::npos);
}

TEST(TableReport, ShowsGridsSummaryAndExplanations) {
  const std::string table = render(sample_report(), Format::kTable);
  EXPECT_EQ(table, R"(Bob keeps iCloud Backup on
══════════════════════════
Alice switched iCloud Backup off. Does that protect her?

Parties:     alice (Alice), bob
Providers:   apple (Apple's servers, US)
Adversaries: us-gov (US authorities, US)
Seed: 7

imessage: who can read each message (✔ reads, · cannot)
┌───────────────────────────────────────────────┬─────────┬─────────┬─────────┬─────────┐
│ message                                       │ alice   │ bob     │ apple   │ us-gov  │
├───────────────────────────────────────────────┼─────────┼─────────┼─────────┼─────────┤
│ #1 alice→bob t=1 “On se voit à 18h ?”         │ ✔ reads │ ✔ reads │ ✔ reads │ ✔ reads │
│ #2 bob→alice t=2 “Oui | ok”                   │ ✔ reads │ ✔ reads │ ✔ reads │ ✔ reads │
│ #3 alice→bob t=5 “Après, "le café", d'accord” │ ✔ reads │ ✔ reads │ ·       │ ·       │
└───────────────────────────────────────────────┴─────────┴─────────┴─────────┴─────────┘
note: bob's backup ran at the end of ticks 1 and 2

signal: who can read each message (✔ reads, · cannot)
┌───────────────────────────────────────────────┬─────────┬─────────┬───────┬────────┐
│ message                                       │ alice   │ bob     │ apple │ us-gov │
├───────────────────────────────────────────────┼─────────┼─────────┼───────┼────────┤
│ #1 alice→bob t=1 “On se voit à 18h ?”         │ ✔ reads │ ✔ reads │ ·     │ ·      │
│ #2 bob→alice t=2 “Oui | ok”                   │ ✔ reads │ ✔ reads │ ·     │ ·      │
│ #3 alice→bob t=5 “Après, "le café", d'accord” │ ✔ reads │ ✔ reads │ ·     │ ·      │
└───────────────────────────────────────────────┴─────────┴─────────┴───────┴────────┘

Summary: messages each actor can read (out of 3)
┌────────────────────┬──────────┬────────┐
│ actor              │ imessage │ signal │
├────────────────────┼──────────┼────────┤
│ alice (party)      │ 3/3      │ 3/3    │
│ bob (party)        │ 3/3      │ 3/3    │
│ apple (provider)   │ 2/3      │ 0/3    │
│ us-gov (adversary) │ 2/3      │ 0/3    │
└────────────────────┴──────────┴────────┘

How imessage messages were read
  apple reads #1 (alice→bob), #2 (bob→alice), the same way (the chain of #1):
    1. bob's iPhone backup holds the Messages in iCloud key
    2. apple decrypted the copy, stored
  us-gov reads #1 (alice→bob), #2 (bob→alice), the same way (the chain of #1):
    1. us-gov compelled apple at t=5
    2. bob's iPhone backup holds the Messages in iCloud key
    3. apple decrypted the copy, stored
  Every sender and recipient reads their own messages.

How signal messages were read
  Nobody outside the conversation reads any message.
  Every sender and recipient reads their own messages.

Expectations: 1 hold, 1 failed
  ok     signal #1: readable by alice, bob, as expected
  FAILED imessage #1: readable by alice, apple, bob, us-gov; expected alice, bob
)");
}

TEST(TableReport, SaysWhenARecipientCannotRead) {
  Report r = sample_report();
  r.results[1].set_unreadable(3, 1);  // signal, message 3, bob
  const std::string table = render(r, Format::kTable);
  EXPECT_NE(table.find("  Not readable by its own sender or recipient: #3 bob.\n"), std::string::npos) << table;
  EXPECT_NE(table.find("│ signal │\n"), std::string::npos);
  EXPECT_NE(table.find("│ bob (party)        │ 3/3      │ 2/3    │\n"), std::string::npos) << table;
}

TEST(TableReport, WrapsLongStepsUnderTheirNumber) {
  Report r = sample_report();
  std::string step;
  for (int i = 0; i < 30; ++i) step += fmt::format("word{} ", i);
  r.results[0].set_readable(1, 2, std::vector<std::string>{step});
  const std::string table = render(r, Format::kTable);
  EXPECT_NE(table.find("    1. word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13\n"
                       "       word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24 word25 word26\n"
                       "       word27 word28 word29\n"),
            std::string::npos)
      << table;
  for (const auto& line : lines(table)) EXPECT_LE(code_points(line), 100u) << line;
}

TEST(TableReport, WithoutExplainHasNoChains) {
  RenderOptions options;
  options.explain = false;
  const std::string table = render(sample_report(), Format::kTable, options);
  EXPECT_EQ(table.find("How imessage"), std::string::npos);
  EXPECT_EQ(table.find("decrypted"), std::string::npos);
  EXPECT_NE(table.find("│ apple (provider)   │ 2/3      │ 0/3    │"), std::string::npos);
}

TEST(TableReport, ColoursOnlyWhenAsked) {
  EXPECT_EQ(render(sample_report(), Format::kTable).find('\x1b'), std::string::npos);
  RenderOptions options;
  options.color = true;
  const std::string coloured = render(sample_report(), Format::kTable, options);
  EXPECT_NE(coloured.find("\x1b[32m✔ reads\x1b[0m"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[2m·      \x1b[0m"), std::string::npos);
  // Colour never reaches the other formats.
  for (Format f : {Format::kMarkdown, Format::kCsv, Format::kJson})
    EXPECT_EQ(render(sample_report(), f, options).find('\x1b'), std::string::npos);
}

TEST(TableReport, NeutralisesControlCharactersFromTheScenario) {
  Report r = sample_report();
  r.title = "evil\x1b[2J title";
  r.messages[0].text = "clear\x1b[2Jscreen\r\nnow";
  r.results[0].set_readable(1, 2, std::vector<std::string>{"step with \x07 bell"});
  const std::string table = render(r, Format::kTable);
  EXPECT_EQ(table.find('\x1b'), std::string::npos);
  EXPECT_EQ(table.find('\x07'), std::string::npos);
  EXPECT_EQ(table.find('\r'), std::string::npos);
  EXPECT_NE(table.find("“clear [2Jscreen now”"), std::string::npos) << table;
}

// Characters that reorder or hide text (U+202E right-to-left override, the
// isolates U+2066..U+2069, U+2028/U+2029, zero-width ones) and C1 controls
// reached the terminal raw from titles, labels and texts. Every format now
// shows them as \uXXXX, as it shows control characters.
Report report_with_hidden_characters() {
  Report r = sample_report();
  r.title = "Invoice\u202Efdp.exe";
  r.description = "line\u2028break\u2029para";
  r.actors[0].label = "Ali\u200Bce \u2066x\u2069";
  r.actors[2].label = "Apple\u00C2\u009B31m";  // "Â" then the C1 CSI
  r.messages[0].text = "pay \u2067bob\u2069";
  r.messages[1].text = "\u2068now\u2069\uFEFF";
  r.results[0].set_readable(1, 2, std::vector<std::string>{"held by \u202DApple\u202C", "read \u2060it"});
  r.results[0].notes = {"note \u202E!"};
  return r;
}

bool has_hidden_characters(std::string_view s) {
  for (const char* hidden : {"\u202E", "\u2028", "\u2029", "\u200B", "\u2066", "\u2067", "\u2068", "\u2069",
                             "\uFEFF", "\u202D", "\u202C", "\u2060", "\u009B"})
    if (s.find(hidden) != std::string_view::npos) return true;
  return false;
}

TEST(Reports, ShowCharactersThatReorderOrHideTextEscaped) {
  const Report r = report_with_hidden_characters();
  const std::string table = render(r, Format::kTable);
  EXPECT_FALSE(has_hidden_characters(table)) << table;
  EXPECT_NE(table.find("Invoice\\u202Efdp.exe\n"), std::string::npos) << table;
  EXPECT_NE(table.find("line\\u2028break\\u2029para\n"), std::string::npos) << table;
  EXPECT_NE(table.find("alice (Ali\\u200Bce \\u2066x\\u2069)"), std::string::npos) << table;
  EXPECT_NE(table.find("“pay \\u2067bob\\u2069”"), std::string::npos) << table;
  EXPECT_NE(table.find("“\\u2068now\\u2069\\uFEFF”"), std::string::npos) << table;
  EXPECT_NE(table.find("held by \\u202DApple\\u202C"), std::string::npos) << table;
  EXPECT_NE(table.find("note: note \\u202E!"), std::string::npos) << table;
  EXPECT_NE(table.find("apple (Apple\u00C2 31m, US)"), std::string::npos) << table;  // C1: a space, as before

  const std::string md = render(r, Format::kMarkdown);
  EXPECT_FALSE(has_hidden_characters(md)) << md;
  EXPECT_NE(md.find("# Invoice\\\\u202Efdp.exe\n"), std::string::npos) << md;  // "\\u202E" renders as \u202E
  EXPECT_NE(md.find("read \\\\u2060it"), std::string::npos) << md;

  // JSON keeps every character (a program reads the same strings) but writes
  // these as escapes, like the control characters it already escapes.
  const std::string text = render(r, Format::kJson);
  EXPECT_FALSE(has_hidden_characters(text)) << text;
  EXPECT_NE(text.find("\"Invoice\\u202efdp.exe\""), std::string::npos) << text;
  const json j = json::parse(text);
  EXPECT_EQ(j["title"], r.title);
  EXPECT_EQ(j["description"], r.description);
  EXPECT_EQ(j["actors"][0]["label"], r.actors[0].label);
  EXPECT_EQ(j["actors"][2]["label"], r.actors[2].label);
  EXPECT_EQ(j["messages"][0]["text"], r.messages[0].text);
  EXPECT_EQ(j["results"][2]["how"], json({"held by \u202DApple\u202C", "read \u2060it"}));
  EXPECT_EQ(j["notes"][0]["text"], "note \u202E!");
}

TEST(TableReport, AlignsGridsWithAccentsAndLongTexts) {
  Report r = sample_report();
  r.messages[1].text = "Très long message qui dépasse largement la colonne prévue pour l'extrait";
  const std::string table = render(r, Format::kTable);
  EXPECT_NE(table.find("“Très long message qui dépas…”"), std::string::npos) << table;
  std::size_t width = 0;
  for (const auto& line : lines(table)) {
    if (line.starts_with("┌")) width = 0;  // a new grid: the signal grid is narrower
    if (line.find("(party)") != std::string::npos) break;  // the summary
    if (!line.starts_with("│")) continue;
    if (width == 0) width = code_points(line);
    EXPECT_EQ(code_points(line), width) << line;
  }
  EXPECT_GT(width, 0u);
}

TEST(TableReport, CountsWideCharactersAsTwoColumns) {
  Report r = sample_report();
  r.messages[0].text = "会议改到明天";  // six wide characters: twelve columns
  r.messages[1].text = "abcdefghijkl";  // twelve narrow ones
  const std::string table = render(r, Format::kTable);
  const auto all = lines(table);
  const auto row = [&](std::string_view prefix) {
    return *std::find_if(all.begin(), all.end(), [&](const std::string& l) { return l.starts_with(prefix); });
  };
  // Same display width, so the wide row has six code points fewer.
  EXPECT_EQ(code_points(row("│ #1 ")) + 6, code_points(row("│ #2 ")));
}

}  // namespace
}  // namespace msgsim
