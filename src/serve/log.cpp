#include "src/serve/log.h"

#include <cstdio>
#include <time.h>
#include <unistd.h>

namespace maskd::app {

void append_json_string(std::string *out, std::string_view s) {
  out->push_back('"');
  for (char ch : s) {
    unsigned char u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (u < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", u);
      out->append(esc);
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

log_line::log_line(std::string_view level, std::string_view event) {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  tm utc;
  gmtime_r(&ts.tv_sec, &utc);
  char when[64];
  std::snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
                utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                utc.tm_min, utc.tm_sec, ts.tv_nsec / 1000000);
  line_ = "{\"ts\":\"";
  line_ += when;
  line_ += "\",\"level\":";
  append_json_string(&line_, level);
  line_ += ",\"event\":";
  append_json_string(&line_, event);
}

log_line::~log_line() {
  line_ += "}\n";
  ssize_t n = ::write(2, line_.data(), line_.size());
  (void)n; // nowhere to report a failing stderr
}

log_line &log_line::str(std::string_view key, std::string_view value) {
  line_ += ',';
  append_json_string(&line_, key);
  line_ += ':';
  append_json_string(&line_, value);
  return *this;
}

log_line &log_line::num(std::string_view key, uint64_t value) {
  line_ += ',';
  append_json_string(&line_, key);
  line_ += ':';
  line_ += std::to_string(value);
  return *this;
}

log_line &log_line::flag(std::string_view key, bool value) {
  line_ += ',';
  append_json_string(&line_, key);
  line_ += value ? ":true" : ":false";
  return *this;
}

} // namespace maskd::app
