// The list of kernel variants, one line each.
#include "model/variants/variant.hpp"

namespace pagerace::model {

extern const Variant kVariantV4_15;

const std::vector<const Variant *> &all_variants() {
  static const std::vector<const Variant *> v = {
      &kVariantV4_15,
  };
  return v;
}

const Variant *find_variant(const std::string &name) {
  for (const Variant *v : all_variants())
    if (name == v->name) return v;
  return nullptr;
}

const Variant &default_variant() {
  return *all_variants().front();
}

} // namespace pagerace::model
