// The variants the reference server can switch on, one per `--variant NAME`, as an enum and a
// table, both expanded from the one list in variants.def. Unlike a fault, a variant is allowed by
// the specifications: the harness self-check turns each on in turn and expects no finding, so
// every variant must stay surgical.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace refserver {

enum class Variant {
#define VARIANT(enumerator, name, behaviour) enumerator,
#include "variants.def"
#undef VARIANT
};

struct VariantInfo {
  Variant variant;
  std::string_view name;      // the `--variant` spelling
  std::string_view behaviour; // what the server does differently when the variant is on
};

// Every variant, in declaration order.
const std::vector<VariantInfo>& variant_table();

std::optional<Variant> variant_from_name(std::string_view name);
std::string_view variant_name(Variant variant);

} // namespace refserver
