// The variant table, expanded from variants.def.
#include "variants.h"

namespace refserver {

const std::vector<VariantInfo>& variant_table() {
  static const std::vector<VariantInfo> table = {
#define VARIANT(enumerator, name, behaviour) {Variant::enumerator, name, behaviour},
#include "variants.def"
#undef VARIANT
  };
  return table;
}

std::optional<Variant> variant_from_name(std::string_view name) {
  for (const VariantInfo& info : variant_table())
    if (info.name == name) return info.variant;
  return std::nullopt;
}

std::string_view variant_name(Variant variant) {
  // The enum and the table come from the same list, in the same order.
  return variant_table().at(static_cast<size_t>(variant)).name;
}

} // namespace refserver
