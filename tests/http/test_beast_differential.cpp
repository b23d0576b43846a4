// The Beast differential: our parsers and Boost.Beast's (http::parser, header-only) read the
// same streams, and must agree on accepting or refusing each and, where both accept, on each
// message's start line, fields (with the trailers: Beast merges them into the fields), framing,
// keep-alive and body. The streams are the shared cases (cases.hpp) and the fuzz seed corpus
// (tests/fuzz/corpus). Where the two differ on purpose, the case is listed in `differences`
// with the reason; a difference not listed fails, and so does a listed one that has gone.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/beast/http.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "cases.hpp"
#include "transcript.hpp"

namespace bh = boost::beast::http;
using namespace http_tests;

namespace {

const char* const chunked_request =
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

// Where we differ from Beast on purpose: the cases ("request: <rule>", "response: <rule>" as in
// cases.cpp, or "corpus/<dir>/<file>"), and why.
struct difference {
  std::vector<const char*> cases;
  const char* reason;
};
const difference differences[] = {
    {{"request: one empty line before the request line",
      "request: a CRLF between pipelined requests", "corpus/request/leading_crlf",
      "corpus/request/pipelined"},
     "RFC 9112 §2.2 lets a server ignore an empty line before a request line (clients send "
     "one after a body); Beast refuses it"},
    {{"request: bare LF as the empty line", "request: bare LF in the trailers"},
     "we refuse a bare LF when it comes; Beast waits for a CRLF (it accepts neither)"},
    {{"request: obs-fold with a space", "request: obs-fold with a tab",
      "request: obs-fold in the trailers", "response: obs-fold", "corpus/request/obs_fold",
      "corpus/response/obs_fold", "corpus/chunked/obs_fold_trailer"},
     "RFC 9112 §5.2 lets a recipient refuse obs-fold or unfold it; the issue refuses it, Beast "
     "unfolds it"},
    {{"request: non-ASCII in the target"},
     "a request-target is ASCII (RFC 3986: other bytes are percent-encoded); Beast takes bytes "
     "above 0x7F"},
    {{"request: no Host in HTTP/1.1", "request: two Hosts in HTTP/1.1",
      "request: two Hosts in HTTP/1.0", "request: Host with a space", "request: Host with a path",
      "request: Host with userinfo", "request: Host with a port that is not digits",
      "request: Host with an unclosed IPv6 literal", "request: Host with a broken %XX",
      "corpus/request/no_host", "corpus/request/two_hosts", "corpus/request/bad_host"},
     "RFC 9112 §3.2: a server MUST answer 400 to a missing, repeated or invalid Host; Beast "
     "does not look at Host"},
    {{"request: Content-Length as a list"},
     "RFC 9110 §8.6 lets a recipient refuse \"5, 5\" or merge it; the issue takes plain digits "
     "only, Beast merges"},
    {{"request: Transfer-Encoding in HTTP/1.0", "response: Transfer-Encoding in HTTP/1.0",
      "corpus/request/te_http10"},
     "RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing; Beast "
     "decodes chunked in 1.0"},
    {{"request: the last coding is not chunked", "request: gzip alone",
      "corpus/request/te_gzip_last"},
     "RFC 9112 §6.3: a request whose last coding is not chunked MUST be refused; Beast reads it "
     "with no body (the request smuggling shape)"},
    {{"request: chunked twice"},
     "RFC 9112 §7: chunked is applied once; Beast takes the list as not chunked, reads no body "
     "and then fails on the chunk as a request"},
    {{"request: an empty coding", "request: an empty Transfer-Encoding",
      "request: a coding with a parameter"},
     "we take only a plain list of coding names in Transfer-Encoding (what parsers read "
     "differently there is how requests are smuggled); Beast skips empty elements and "
     "parameters"},
    {{"request: an unknown coding (501)", "request: an unknown coding before chunked (501)",
      "request: identity (501)", "request: gzip before chunked (501)", "corpus/request/te_unknown"},
     "RFC 9112 §6.1: 501 for a coding the server does not decode, and we decode none but "
     "chunked; Beast hands the coded body on, or reads none"},
    {{"response: Transfer-Encoding: gzip", "response: Transfer-Encoding: gzip, chunked",
      "response: an unknown coding", "corpus/response/te_gzip"},
     "the issue: a response with a coding but chunked is 502, as a client decodes only "
     "chunked; Beast reads it until close or hands the coded body on"},
    {{"request: whitespace before a chunk extension"},
     "RFC 9112 §7.1.1 allows whitespace before ';', but the issue refuses any whitespace after "
     "a chunk size (as llhttp's strict mode does: parsers disagree on it); Beast accepts it"},
    {{"request: a chunk size of 17 hex digits", "corpus/chunked/too_many_digits"},
     "the issue bounds a chunk size at 16 hex digits, leading zeros included; Beast counts the "
     "value"},
    {{"request: framing fields among the trailers"},
     "trailers are kept apart and never read as framing or merged (RFC 9110 §6.5.1); Beast "
     "merges them into the fields, so a Content-Length among them breaks the message"},
    {{"request: a chunk line above its limit"},
     "limits::max_chunk_line (1 KiB); Beast does not bound chunk extensions"},
    {{"request: trailers above their limit (431)"},
     "limits::max_trailers (16 KiB); Beast bounds trailers only by its body limit"},
    {{"request: a target in no form", "request: * with a method other than OPTIONS",
      "request: CONNECT to a path", "request: an absolute form without a scheme"},
     "RFC 9112 §3.2: the target must be in one of four forms, each for its methods; Beast takes "
     "any run of target characters"},
    {{"request: a request-target above its limit (414)"},
     "limits::max_target (8 KiB); Beast bounds the target only by its header limit"},
    {{"request: a head above its limit (431)"},
     "Beast's header_limit counts differently: it accepts this head, one byte over 32 KiB"},
    {{"request: 101 fields (431)", "response: 101 fields"},
     "limits::max_fields (100); Beast bounds fields only by its header limit"},
    {{"response: a 2xx to CONNECT has no body", "corpus/response/connect_ok"},
     "response_parser is told the request's method; Beast's is not (a client using it calls "
     "skip() after a 2xx to CONNECT), so it reads until close"},
    {{"response: a status without a reason", "corpus/response/no_reason"},
     "both accept; Beast's reason() gives the standard phrase when the line has none"},
    {{"response: a status without the space"},
     "we accept \"HTTP/1.1 200\" with no space before an empty reason (servers send it, and a "
     "client ignores the reason); Beast refuses it"},
    {{"response: a status below 100"},
     "status codes are 100 to 999 (RFC 9110 §15); Beast accepts 099"},
    {{"corpus/request/header_roundtrip"},
     "not a request (fuzz_request's input for headers::add()): we judge a request line once the "
     "head has ended, Beast refuses the ':' in the method at once"},
};

const char* known_difference(const std::string& name) {
  for (const difference& d : differences)
    for (const char* c : d.cases)
      if (name == c) return d.reason;
  return nullptr;
}

// What Beast's parser saw of one message.
template <bool Request>
message summary(bh::parser<Request, bh::string_body>& p, bool until_eof, bool skip) {
  message m;
  const auto& msg = p.get();
  const std::string version = "HTTP/1." + std::to_string(msg.version() % 10);
  if constexpr (Request)
    m.start = std::string(msg.method_string()) + ' ' + std::string(msg.target()) + ' ' + version;
  else
    m.start = version + ' ' + std::to_string(msg.result_int()) + ' ' + std::string(msg.reason());
  for (const auto& f : msg) m.fields.emplace_back(f.name_string(), f.value());
  m.keep_alive = p.keep_alive();
  m.body = msg.body();
  m.whole = p.is_done();
  m.framing = skip             ? "none"
              : p.chunked()    ? "chunked"
              : until_eof      ? "until-close"
              : m.body.empty() ? "none"
                               : "length " + std::to_string(m.body.size());
  return m;
}

// beast_read() reads `bytes` with Beast's parser as read_requests() and read_responses() do
// with ours: message after message (a response to HEAD skips its body), until an error or the
// end; limits as ours (32 KiB of head, no body limit).
template <bool Request>
reading beast_read(std::string_view bytes, std::string_view method = "GET") {
  reading r;
  while (!bytes.empty()) {
    bh::parser<Request, bh::string_body> p;
    p.eager(true);
    p.header_limit(32 * 1024);
    p.body_limit(UINT64_MAX);  // not boost::none: Boost 1.74 refuses every Content-Length then
    const bool skip = !Request && method == "HEAD";
    p.skip(skip);
    boost::beast::error_code ec;
    bool until_eof = false;
    while (!p.is_done()) {
      const std::size_t n = p.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
      bytes.remove_prefix(n);
      if (ec && ec != bh::error::need_more) break;
      if (n > 0) continue;
      // No progress: the stream has ended here.
      if (p.is_header_done() && p.need_eof()) {
        p.put_eof(ec);
        until_eof = true;
        if (ec) break;
      } else {
        ec = bh::error::need_more;
        break;
      }
    }
    if (!p.is_done()) {
      if (p.is_header_done()) r.messages.push_back(summary(p, until_eof, skip));
      if (ec != bh::error::need_more)
        r.end = "error";
      else
        r.end = p.is_header_done() ? "incomplete body" : "incomplete head";
      return r;
    }
    r.messages.push_back(summary(p, until_eof, skip));
  }
  r.end = "end";
  return r;
}

// What the two readings are compared on: the messages read whole and how the stream ends, but
// not the status a refusal carries (Beast has none), a head's size or 100-continue (Beast does
// not say). Trailers count as fields, and fields are compared by name, then in order (Beast
// keeps fields of one name together).
reading comparable(reading r) {
  r.status = 0;
  std::erase_if(r.messages, [](const message& m) { return !m.whole; });
  for (message& m : r.messages) {
    m.head_size = 0;
    m.expect_continue = false;
    m.fields.insert(m.fields.end(), m.trailers.begin(), m.trailers.end());
    m.trailers.clear();
    std::stable_sort(m.fields.begin(), m.fields.end(), [](const auto& a, const auto& b) {
      return std::lexicographical_compare(
          a.first.begin(), a.first.end(), b.first.begin(), b.first.end(),
          [](char x, char y) { return std::tolower(x) < std::tolower(y); });
    });
  }
  return r;
}

// How many streams both read alike (all messages read whole, or both refused) and how many
// differ as listed; printed by each test case.
struct tally {
  int both_read = 0, both_refused = 0, listed = 0;
  ~tally() {
    MESSAGE(both_read, " read alike, ", both_refused, " refused by both, ", listed,
            " listed differences");
  }
};

void compare(tally& t, const std::string& name, const reading& ours, const reading& beast) {
  const bool same = comparable(ours) == comparable(beast);
  if (const char* reason = known_difference(name)) {
    CHECK_MESSAGE(!same, name, " is listed as a difference (", reason, ") but both read:\n",
                  ours.text());
    ++t.listed;
  } else {
    CHECK_MESSAGE(same, name, "\nours:\n", ours.text(), "Beast:\n", beast.text());
    ++(ours.end == "end" ? t.both_read : t.both_refused);
  }
}

std::string file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The seed corpus of `dir` (a fuzz target's): each file's name and its stream (the first byte,
// the fuzz options, is dropped; see tests/fuzz/input.hpp) and the method its first byte picks.
struct seed {
  std::string name, bytes, method;
};
std::vector<seed> corpus(const char* dir) {
  std::vector<seed> seeds;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(FUZZ_CORPUS) + "/" + dir)) {
    const std::string bytes = file(entry.path());
    if (bytes.empty()) continue;
    static const char* const methods[] = {"GET", "HEAD", "CONNECT", "POST"};
    seeds.push_back({std::string("corpus/") + dir + "/" + entry.path().filename().string(),
                     bytes.substr(1), methods[bytes[0] & 3]});
  }
  std::sort(seeds.begin(), seeds.end(),
            [](const seed& a, const seed& b) { return a.name < b.name; });
  return seeds;
}

}  // namespace

TEST_CASE("Beast differential: the request cases") {
  tally t;
  for (const request_case& c : request_cases())
    compare(t, std::string("request: ") + c.rule, read_requests(c.bytes, {}),
            beast_read<true>(c.bytes));
}

TEST_CASE("Beast differential: the response cases") {
  tally t;
  for (const response_case& c : response_cases())
    compare(t, std::string("response: ") + c.rule, read_responses(c.bytes, {}, c.method),
            beast_read<false>(c.bytes, c.method));
}

TEST_CASE("Beast differential: the fuzz seed corpus") {
  const std::vector<seed> requests = corpus("request"), responses = corpus("response"),
                          bodies = corpus("chunked");
  CHECK(requests.size() >= 20);
  CHECK(responses.size() >= 20);
  CHECK(bodies.size() >= 10);
  tally t;
  for (const seed& s : requests)
    compare(t, s.name, read_requests(s.bytes, {}), beast_read<true>(s.bytes));
  for (const seed& s : responses)
    compare(t, s.name, read_responses(s.bytes, {}, s.method), beast_read<false>(s.bytes, s.method));
  for (const seed& s : bodies) {
    const std::string m = chunked_request + s.bytes;
    compare(t, s.name, read_requests(m, {}), beast_read<true>(m));
  }
}

TEST_CASE("Beast differential: every listed difference names a case") {
  std::vector<std::string> names;
  for (const request_case& c : request_cases()) names.push_back(std::string("request: ") + c.rule);
  for (const response_case& c : response_cases())
    names.push_back(std::string("response: ") + c.rule);
  for (const char* dir : {"request", "response", "chunked"})
    for (const seed& s : corpus(dir)) names.push_back(s.name);
  for (const difference& d : differences)
    for (const char* c : d.cases)
      CHECK_MESSAGE(std::find(names.begin(), names.end(), c) != names.end(), std::string(c));
}
