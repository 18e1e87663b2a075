// A real PNG (3 by 2 red pixels, 73 bytes) as a browser driver would attach it, shared by the
// report tests, the saver's test and the headless-browser test.
#pragma once

#include "http/evidence.h"

#include <string>
#include <utility>

namespace conformance::testing_sample {

inline const std::string kTinyPng(
    "\x89\x50\x4E\x47\x0D\x0A\x1A\x0A\x00\x00\x00\x0D\x49\x48\x44\x52\x00\x00\x00\x03\x00\x00"
    "\x00\x02\x08\x02\x00\x00\x00\x12\x16\xF1\x4D\x00\x00\x00\x10\x49\x44\x41\x54\x78\xDA\x63"
    "\x38\x21\x27\x07\x41\x0C\x70\x16\x00\x41\x00\x06\x19\xD4\x44\xEE\x19\x00\x00\x00\x00\x49"
    "\x45\x4E\x44\xAE\x42\x60\x82",
    73);
// Computed outside the harness (Python's base64 module), so the report's encoder is not its own
// oracle; 73 bytes end in "==".
inline const std::string kTinyPngBase64 =
    "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAEElEQVR42mM4IScHQQxwFgBBAAYZ1ETuGQAAAABJRU5E"
    "rkJggg==";

// The browser driver's screenshot, its caption carrying markup to be escaped.
inline Attachment screenshot(std::string file = "") {
  Attachment a;
  a.name = "screenshot";
  a.media_type = "image/png";
  a.caption = "where the browser driver stopped: http://127.0.0.1:8080/login?a=1&b=<2> \"Sign in\"";
  a.data = kTinyPng;
  a.file = std::move(file);
  return a;
}

} // namespace conformance::testing_sample
