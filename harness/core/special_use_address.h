// Classifies IP addresses for the SSRF guards (RFC 6890 and the IANA special-purpose
// registries): the reference server's client metadata fetcher (an authorization server that
// fetches URLs named by unauthenticated clients must not reach its own host or private
// networks, CIMD -01 §6.5), and the harness's redirect following (a hostile server must not
// point the harness at an internal address and have its answer copied into a CI artifact).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <sys/socket.h>

namespace oauth {

// Why the address must not be fetched from (e.g. "loopback", "private"), or nullopt for an
// ordinary globally routable unicast address. Families other than IPv4 and IPv6 are refused.
std::optional<std::string> special_use_address(const sockaddr* address);

// The same for an IP literal (dotted IPv4 or IPv6 without brackets). Text that is not an IP
// literal is refused as "not an IP address".
std::optional<std::string> special_use_address(std::string_view ip_literal);

} // namespace oauth
