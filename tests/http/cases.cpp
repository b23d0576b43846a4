#include "cases.hpp"

namespace http_tests {

using namespace std::string_literals;

namespace {

const std::string get = "GET / HTTP/1.1\r\nHost: x\r\n";
const std::string post = "POST / HTTP/1.1\r\nHost: x\r\n";
const std::string chunked = post + "Transfer-Encoding: chunked\r\n\r\n";
const std::string ok = "HTTP/1.1 200 OK\r\n";

}  // namespace

const std::vector<request_case>& request_cases() {
  static const std::vector<request_case> cases = {
      // What RFC 9112 allows.
      {"a simple GET", get + "\r\n", 0},
      {"HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", 0},
      {"HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 0},
      {"one empty line before the request line", "\r\n" + get + "\r\n", 0},
      {"Connection: close", get + "Connection: close\r\n\r\n", 0},
      {"Expect: 100-continue", post + "Expect: 100-continue\r\nContent-Length: 1\r\n\r\nx", 0},
      {"OWS around a value", get + "X:  a b \t\r\n\r\n", 0},
      {"an empty value", get + "X:\r\nY: \r\n\r\n", 0},
      {"obs-text and a tab in a value", get + "X: caf\xc3\xa9\tb\r\n\r\n", 0},
      {"every token character in a name", get + "!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n", 0},
      {"repeated fields keep their order", get + "A: 1\r\nB: 2\r\nA: 3\r\n\r\n", 0},
      {"a method that is any token", "M-SEARCH / HTTP/1.1\r\nHost: x\r\n\r\n", 0},
      {"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 0},
      {"absolute-form", "GET http://x/a?b HTTP/1.1\r\nHost: x\r\n\r\n", 0},
      {"authority-form", "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", 0},
      {"Host with a port", "GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", 0},
      {"Host as an IPv6 literal", "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", 0},
      {"Host as sub-delims and %XX", "GET / HTTP/1.1\r\nHost: a-b_c~d!$&'()*+,;=%41\r\n\r\n", 0},
      {"an empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", 0},
      {"Content-Length", post + "Content-Length: 5\r\n\r\nhello", 0},
      {"Content-Length: 0", post + "Content-Length: 0\r\n\r\n", 0},
      {"Content-Length: 005", post + "Content-Length: 005\r\n\r\nhello", 0},
      {"Content-Length twice, the same value",
       post + "Content-Length: 2\r\ncontent-length: 2\r\n\r\nhi", 0},
      {"Transfer-Encoding: chunked", chunked + "5\r\nhello\r\n0\r\n\r\n", 0},
      {"Transfer-Encoding: CHUNKED", post + "Transfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n", 0},
      {"chunk sizes in both cases", chunked + "a\r\n0123456789\r\nA\r\n0123456789\r\n0\r\n\r\n", 0},
      {"chunk extensions", chunked + "5;a=b;c=\"d e\"\r\nhello\r\n0;z\r\n\r\n", 0},
      {"last-chunk 000", chunked + "1\r\nx\r\n000\r\n\r\n", 0},
      {"valid trailers", chunked + "1\r\nx\r\n0\r\nT: 1\r\nU:  2 \r\n\r\n", 0},
      {"framing fields among the trailers",
       chunked + "0\r\nContent-Length: 5\r\nTransfer-Encoding: gzip\r\nHost: y\r\n\r\n", 0},
      {"a chunk size of 16 hex digits", chunked + "0000000000000001\r\nx\r\n0\r\n\r\n", 0},
      {"pipelined requests", get + "\r\n" + post + "Content-Length: 2\r\n\r\nhi" + get + "\r\n", 0},
      {"pipelined after a chunked body", chunked + "0\r\n\r\n" + get + "\r\n", 0},
      {"a CRLF between pipelined requests", get + "\r\n\r\n" + get + "\r\n", 0},

      // Line endings.
      {"bare LF after the request line", "GET / HTTP/1.1\nHost: x\r\n\r\n", 400},
      {"bare LF after a field", get + "A: b\n\r\n", 400},
      {"bare LF as the empty line", get + "\n", 400},
      {"bare LF before the request line", "\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"bare CR in the request line", "GET /\r HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"bare CR in a value", get + "A: b\rc\r\n\r\n", 400},
      {"bare CR in a name", get + "A\rB: c\r\n\r\n", 400},
      {"bare CR before the empty line", get + "\r\r\n\r\n", 400},
      {"two empty lines before the request line", "\r\n\r\n" + get + "\r\n", 400},
      // Field lines.
      {"obs-fold with a space", get + "A: b\r\n c\r\n\r\n", 400},
      {"obs-fold with a tab", get + "A: b\r\n\tc\r\n\r\n", 400},
      {"whitespace before the first field", "GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400},
      {"a tab before the first field", "GET / HTTP/1.1\r\n\tHost: x\r\n\r\n", 400},
      {"whitespace before a colon", get + "A : b\r\n\r\n", 400},
      {"a tab before a colon", get + "A\t: b\r\n\r\n", 400},
      {"Host with whitespace before the colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
      {"an empty name", get + ": b\r\n\r\n", 400},
      {"a line without a colon", get + "A b\r\n\r\n", 400},
      {"a request line among the fields", get + "GET / HTTP/1.1\r\n\r\n", 400},
      {"( in a name", get + "A(: b\r\n\r\n", 400},
      {"@ in a name", get + "A@b: c\r\n\r\n", 400},
      {"/ in a name", get + "A/b: c\r\n\r\n", 400},
      {"a non-ASCII name", get + "caf\xc3\xa9: c\r\n\r\n", 400},
      {"NUL in a value", get + "A: b\0c\r\n\r\n"s, 400},
      {"a control byte in a value",
       get + "A: b\x01"
             "c\r\n\r\n",
       400},
      {"DEL in a value", get + "A: b\x7f\r\n\r\n", 400},
      {"NUL in a name", get + "A\0: b\r\n\r\n"s, 400},
      // The request line.
      {"NUL in the method", "G\0T / HTTP/1.1\r\nHost: x\r\n\r\n"s, 400},
      {"a control byte in the method", "G\x01T / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"a method that is not a token", "GE(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"NUL in the target", "GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n"s, 400},
      {"a control byte in the target", "GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"a tab in the target", "GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"a target in no form", "GET a/b HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"* with a method other than OPTIONS", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"CONNECT to a path", "CONNECT /x HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"an absolute form without a scheme", "GET :x/y HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"non-ASCII in the target", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"whitespace before the method", " GET / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"two spaces after the method", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"two spaces before the version", "GET /  HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"whitespace after the version", "GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 400},
      {"HTTP/0.9", "GET /\r\n\r\n", 400},
      {"HTTP/0.9 with a version", "GET / HTTP/0.9\r\n\r\n", 400},
      {"HTTP/1.2", "GET / HTTP/1.2\r\nHost: x\r\n\r\n", 400},
      {"HTTP/1.10", "GET / HTTP/1.10\r\nHost: x\r\n\r\n", 400},
      {"HTTP/1", "GET / HTTP/1\r\nHost: x\r\n\r\n", 400},
      {"a version in lower case", "GET / http/1.1\r\nHost: x\r\n\r\n", 400},
      {"HTTP/2.0 (505)", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
      {"HTTP/3.0 (505)", "GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505},
      {"HTTP/2 in the preface's form", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505},
      // Host.
      {"no Host in HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", 400},
      {"two Hosts in HTTP/1.1", get + "Host: y\r\n\r\n", 400},
      {"two Hosts in HTTP/1.0", "GET / HTTP/1.0\r\nHost: x\r\nhost: x\r\n\r\n", 400},
      {"Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
      {"Host with a path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400},
      {"Host with userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400},
      {"Host with a port that is not digits", "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", 400},
      {"Host with an unclosed IPv6 literal", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400},
      {"Host with a broken %XX", "GET / HTTP/1.1\r\nHost: a%4\r\n\r\n", 400},
      // Content-Length.
      {"Content-Length with a sign", post + "Content-Length: +5\r\n\r\nhello", 400},
      {"Content-Length negative", post + "Content-Length: -5\r\n\r\n", 400},
      {"Content-Length in hex", post + "Content-Length: 0x5\r\n\r\nhello", 400},
      {"Content-Length with a space inside", post + "Content-Length: 1 2\r\n\r\n", 400},
      {"Content-Length as a list", post + "Content-Length: 5, 5\r\n\r\nhello", 400},
      {"Content-Length empty", post + "Content-Length:\r\n\r\n", 400},
      {"Content-Length overflows", post + "Content-Length: 18446744073709551616\r\n\r\n", 400},
      {"Content-Length far too long", post + "Content-Length: 99999999999999999999999\r\n\r\n",
       400},
      {"Content-Length twice, different values",
       post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400},
      {"Content-Length with Transfer-Encoding",
       post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      {"Transfer-Encoding with Content-Length",
       post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400},
      // Transfer-Encoding.
      {"Transfer-Encoding in HTTP/1.0",
       "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      {"the last coding is not chunked", post + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400},
      {"gzip alone", post + "Transfer-Encoding: gzip\r\n\r\n", 400},
      {"chunked twice", post + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400},
      {"chunked twice in two fields",
       post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      {"an empty coding", post + "Transfer-Encoding: chunked,\r\n\r\n0\r\n\r\n", 400},
      {"an empty Transfer-Encoding", post + "Transfer-Encoding:\r\n\r\n", 400},
      {"a coding with a parameter", post + "Transfer-Encoding: chunked;q=1\r\n\r\n", 400},
      {"an unknown coding (501)", post + "Transfer-Encoding: foo\r\n\r\n", 501},
      {"an unknown coding before chunked (501)",
       post + "Transfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n", 501},
      {"identity (501)", post + "Transfer-Encoding: identity\r\n\r\n", 501},
      {"gzip before chunked (501)", post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
       501},
      // Chunked bodies.
      {"a chunk size with 0x", chunked + "0x5\r\nhello\r\n0\r\n\r\n", 400},
      {"a chunk size with a sign", chunked + "+5\r\nhello\r\n0\r\n\r\n", 400},
      {"a chunk size with _", chunked + "5_0\r\nhello\r\n0\r\n\r\n", 400},
      {"a chunk size after a space", chunked + " 5\r\nhello\r\n0\r\n\r\n", 400},
      {"a chunk size before a space", chunked + "5 \r\nhello\r\n0\r\n\r\n", 400},
      {"whitespace before a chunk extension", chunked + "5 ;a\r\nhello\r\n0\r\n\r\n", 400},
      {"an empty chunk size", chunked + "\r\nhello\r\n0\r\n\r\n", 400},
      {"a chunk extension without a size", chunked + ";a\r\nhello\r\n0\r\n\r\n", 400},
      {"a chunk size of 17 hex digits", chunked + "00000000000000001\r\nx\r\n0\r\n\r\n", 400},
      {"bare LF after a chunk size", chunked + "5\nhello\r\n0\r\n\r\n", 400},
      {"bare CR after a chunk size", chunked + "5\rhello\r\n0\r\n\r\n", 400},
      {"bare LF in a chunk extension", chunked + "5;a\nhello\r\n0\r\n\r\n", 400},
      {"a control byte in a chunk extension", chunked + "5;a\x01\r\nhello\r\n0\r\n\r\n", 400},
      {"chunk data not followed by CRLF", chunked + "5\r\nhelloX\r\n0\r\n\r\n", 400},
      {"chunk data followed by a bare LF", chunked + "5\r\nhello\n0\r\n\r\n", 400},
      {"a chunk line above its limit",
       chunked + "1;" + std::string(2000, 'a') + "\r\nx\r\n0\r\n\r\n", 400},
      {"a request line among the trailers", chunked + "0\r\nGET / HTTP/1.1\r\n\r\n", 400},
      {"bare LF in the trailers", chunked + "0\r\nA: b\n\r\n", 400},
      {"obs-fold in the trailers", chunked + "0\r\nA: b\r\n c\r\n\r\n", 400},
      {"whitespace before the first trailer", chunked + "0\r\n A: b\r\n\r\n", 400},
      {"NUL in a trailer", chunked + "0\r\nA: \0\r\n\r\n"s, 400},
      {"trailers above their limit (431)",
       chunked + "0\r\nA: " + std::string(20000, 'a') + "\r\n\r\n", 431},
      // Limits.
      {"a request-target at its limit",
       "GET /" + std::string(8191, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 0},
      {"a request-target above its limit (414)",
       "GET /" + std::string(8192, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
      {"a request-target above the head's limit (414)",
       "GET /" + std::string(40000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
      {"a long target then a bare LF (414)", "GET /" + std::string(9000, 'a') + "\n\r\n", 414},
      {"a long line after a short target",
       "GET /a\x01" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n", 400},
      {"a head at its limit", get + "A: " + std::string(32768 - get.size() - 7, 'a') + "\r\n\r\n",
       0},
      {"a head above its limit (431)",
       get + "A: " + std::string(32768 - get.size() - 6, 'a') + "\r\n\r\n", 431},
      {"a bare LF beyond the head's limit (431)", get + "A: " + std::string(40000, 'a') + "\n\r\n",
       431},
      {"100 fields",
       "GET / HTTP/1.1\r\n" +
           [] {
             std::string s = "Host: x\r\n";
             for (int i = 1; i < 100; ++i) s += "A: b\r\n";
             return s;
           }() +
           "\r\n",
       0},
      {"101 fields (431)",
       "GET / HTTP/1.1\r\n" +
           [] {
             std::string s = "Host: x\r\n";
             for (int i = 1; i < 101; ++i) s += "A: b\r\n";
             return s;
           }() +
           "\r\n",
       431},
  };
  return cases;
}

const std::vector<response_case>& response_cases() {
  static const std::vector<response_case> cases = {
      // What RFC 9112 allows.
      {"200 with Content-Length", "GET", ok + "Content-Length: 5\r\n\r\nhello", 0},
      {"200 chunked", "GET", ok + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 0},
      {"200 chunked with trailers", "GET",
       ok + "Transfer-Encoding: Chunked\r\n\r\n1;x\r\na\r\n0\r\nT: 1\r\n\r\n", 0},
      {"200 read until close", "GET", ok + "Server: x\r\n\r\nall of it", 0},
      {"200 with Content-Length: 0", "GET", ok + "Content-Length: 0\r\n\r\n", 0},
      {"HTTP/1.0 200 with keep-alive", "GET",
       "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi", 0},
      {"HTTP/1.0 200 until close", "GET", "HTTP/1.0 200 OK\r\n\r\nrest", 0},
      {"Connection: close", "GET", ok + "Connection: close\r\nContent-Length: 2\r\n\r\nhi", 0},
      {"204 has no body", "GET",
       "HTTP/1.1 204 No Content\r\n\r\n" + ok + "Content-Length: 0\r\n\r\n", 0},
      {"304 has no body, whatever its Content-Length", "GET",
       "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n" + ok + "Content-Length: 0\r\n\r\n",
       0},
      {"100 then 200", "POST", "HTTP/1.1 100 Continue\r\n\r\n" + ok + "Content-Length: 2\r\n\r\nhi",
       0},
      {"103 with fields then 200", "GET",
       "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + ok + "Content-Length: 0\r\n\r\n", 0},
      {"101 switching protocols", "GET",
       "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", 0},
      {"a response to HEAD has no body", "HEAD",
       ok + "Content-Length: 5\r\n\r\n" + ok + "Transfer-Encoding: chunked\r\n\r\n", 0},
      {"a 2xx to CONNECT has no body", "CONNECT", ok + "\r\n", 0},
      {"a 407 to CONNECT has a body", "CONNECT",
       "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 2\r\n\r\nno", 0},
      {"a status without a reason", "GET", "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", 0},
      {"a status without the space", "GET", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 0},
      {"a reason with obs-text and a tab", "GET",
       "HTTP/1.1 200 O\xc3\xa9\tk\r\nContent-Length: 0\r\n\r\n", 0},
      {"status 999", "GET", "HTTP/1.1 999 X\r\nContent-Length: 0\r\n\r\n", 0},
      {"Transfer-Encoding: CHUNKED", "GET", ok + "Transfer-Encoding: CHUNKED\r\n\r\n000\r\n\r\n",
       0},

      // All 502.
      {"bare LF in the status line", "GET", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", 502},
      {"bare LF after a field", "GET", ok + "Content-Length: 0\n\r\n", 502},
      {"bare CR in the reason", "GET", "HTTP/1.1 200 O\rK\r\nContent-Length: 0\r\n\r\n", 502},
      {"an empty line before the status line", "GET", "\r\n" + ok + "Content-Length: 0\r\n\r\n",
       502},
      {"obs-fold", "GET", ok + "A: b\r\n c\r\nContent-Length: 0\r\n\r\n", 502},
      {"whitespace before a colon", "GET", ok + "Content-Length : 0\r\n\r\n", 502},
      {"whitespace before the first field", "GET", ok + " A: b\r\nContent-Length: 0\r\n\r\n", 502},
      {"a line without a colon", "GET", ok + "A\r\nContent-Length: 0\r\n\r\n", 502},
      {"a control byte in a value", "GET", ok + "A: \x01\r\nContent-Length: 0\r\n\r\n", 502},
      {"a control byte in the reason", "GET", "HTTP/1.1 200 O\x01K\r\n\r\n", 502},
      {"a status of two digits", "GET", "HTTP/1.1 20 OK\r\n\r\n", 502},
      {"a status of four digits", "GET", "HTTP/1.1 2000 OK\r\n\r\n", 502},
      {"a status below 100", "GET", "HTTP/1.1 099 X\r\n\r\n", 502},
      {"a status that is not digits", "GET", "HTTP/1.1 2x0 X\r\n\r\n", 502},
      {"two spaces before the status", "GET", "HTTP/1.1  200 OK\r\n\r\n", 502},
      {"a status line of the version alone", "GET", "HTTP/1.1\r\n\r\n", 502},
      {"HTTP/2.0", "GET", "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", 502},
      {"HTTP/1.2", "GET", "HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n", 502},
      {"HTTP/0.9 (no status line)", "GET", "<html>hello</html>\r\n\r\n", 502},
      {"a version in lower case", "GET", "http/1.1 200 OK\r\n\r\n", 502},
      {"Content-Length not digits", "GET", ok + "Content-Length: 5x\r\n\r\nhello", 502},
      {"Content-Length twice, different values", "GET",
       ok + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", 502},
      {"Content-Length with Transfer-Encoding", "GET",
       ok + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 502},
      {"Transfer-Encoding in HTTP/1.0", "GET",
       "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 502},
      {"Transfer-Encoding: gzip", "GET", ok + "Transfer-Encoding: gzip\r\n\r\nzzz", 502},
      {"Transfer-Encoding: gzip, chunked", "GET",
       ok + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 502},
      {"an unknown coding", "GET", ok + "Transfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n", 502},
      {"a head above its limit", "GET", ok + "A: " + std::string(33000, 'a') + "\r\n\r\n", 502},
      {"101 fields", "GET",
       ok +
           [] {
             std::string s;
             for (int i = 0; i < 101; ++i) s += "A: b\r\n";
             return s;
           }() +
           "\r\n",
       502},
      // The chunked decoder's own statuses, in a response body too.
      {"a chunk size with 0x", "GET",
       ok + "Transfer-Encoding: chunked\r\n\r\n0x1\r\na\r\n0\r\n\r\n", 400},
      {"a request line among the trailers", "GET",
       ok + "Transfer-Encoding: chunked\r\n\r\n0\r\nGET / HTTP/1.1\r\n\r\n", 400},
  };
  return cases;
}

}  // namespace http_tests
