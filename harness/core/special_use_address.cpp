// Special-use IPv4 and IPv6 ranges that the client metadata fetcher refuses to connect to.
#include "core/special_use_address.h"

#include <arpa/inet.h>
#include <array>
#include <cstdint>
#include <cstring>
#include <netinet/in.h>

namespace oauth {
namespace {

struct Range {
  std::array<uint8_t, 16> prefix; // IPv4 ranges use the first four bytes
  int bits;
  const char* reason;
};

// IPv4 ranges that are not globally reachable unicast destinations (RFC 6890 and successors).
// Ranges that are special but still public (e.g. AS112) are deliberately absent.
constexpr Range kIpv4[] = {
    {{0, 0, 0, 0}, 8, "unspecified (this network)"},
    {{10, 0, 0, 0}, 8, "private"},
    {{100, 64, 0, 0}, 10, "shared address space (carrier-grade NAT)"},
    {{127, 0, 0, 0}, 8, "loopback"},
    {{169, 254, 0, 0}, 16, "link-local"},
    {{172, 16, 0, 0}, 12, "private"},
    {{192, 0, 0, 0}, 24, "IETF protocol assignment"},
    {{192, 0, 2, 0}, 24, "documentation"},
    {{192, 88, 99, 0}, 24, "6to4 relay anycast"},
    {{192, 168, 0, 0}, 16, "private"},
    {{198, 18, 0, 0}, 15, "benchmarking"},
    {{198, 51, 100, 0}, 24, "documentation"},
    {{203, 0, 113, 0}, 24, "documentation"},
    {{224, 0, 0, 0}, 4, "multicast"},
    {{240, 0, 0, 0}, 4, "reserved or broadcast"},
};

// IPv6 ranges checked after the forms that embed an IPv4 address (see classify_v6). Anything
// outside 2000::/3 that none of these names is refused as well: it is not global unicast.
constexpr Range kIpv6[] = {
    {{}, 128, "unspecified"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, "loopback"},
    {{}, 96, "IPv4-compatible (deprecated)"},
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, "local-use NAT64"},
    {{0x01, 0x00}, 64, "discard-only"},
    {{0x20, 0x01, 0x0d, 0xb8}, 32, "documentation"},
    {{0x20, 0x01}, 23, "IETF protocol assignment (e.g. Teredo)"},
    {{0x3f, 0xff}, 20, "documentation"},
    {{0x5f, 0x00}, 16, "segment routing"},
    {{0xfc}, 7, "unique-local"},
    {{0xfe, 0x80}, 10, "link-local"},
    {{0xfe, 0xc0}, 10, "site-local (deprecated)"},
    {{0xff}, 8, "multicast"},
};

bool in_range(const uint8_t* address, const Range& range) {
  int full = range.bits / 8;
  if (std::memcmp(address, range.prefix.data(), static_cast<size_t>(full)) != 0) return false;
  int rest = range.bits % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (address[full] & mask) == (range.prefix[static_cast<size_t>(full)] & mask);
}

std::optional<std::string> classify_v4(const uint8_t* address) {
  for (const Range& range : kIpv4)
    if (in_range(address, range)) return std::string(range.reason);
  return std::nullopt;
}

bool has_prefix(const uint8_t* address, std::initializer_list<uint8_t> prefix) {
  return std::memcmp(address, prefix.begin(), prefix.size()) == 0;
}

std::optional<std::string> classify_v6(const uint8_t* address) {
  // Forms that carry an IPv4 address are judged by that address, so ::ffff:127.0.0.1 or a
  // NAT64 or 6to4 spelling of a private address cannot slip through.
  if (has_prefix(address, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}))
    return classify_v4(address + 12);
  if (has_prefix(address, {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0}))
    return classify_v4(address + 12);
  if (has_prefix(address, {0x20, 0x02})) return classify_v4(address + 2);
  for (const Range& range : kIpv6)
    if (in_range(address, range)) return std::string(range.reason);
  if ((address[0] & 0xe0) != 0x20) return std::string("reserved (not global unicast)");
  return std::nullopt;
}

} // namespace

std::optional<std::string> special_use_address(const sockaddr* address) {
  if (!address) return std::string("no address");
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return classify_v4(reinterpret_cast<const uint8_t*>(&v4->sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    return classify_v6(v6->sin6_addr.s6_addr);
  }
  return std::string("not an IPv4 or IPv6 address");
}

std::optional<std::string> special_use_address(std::string_view ip_literal) {
  std::string text(ip_literal);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1)
    return classify_v4(reinterpret_cast<const uint8_t*>(&v4.s_addr));
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) return classify_v6(v6.s6_addr);
  return std::string("not an IP address");
}

} // namespace oauth
