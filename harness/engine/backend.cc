// The backend registry.
#include "harness/engine/backend.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace mapfault {

void BackendRegistry::MustRegister(BackendInfo info) {
  if (!Register(std::move(info)).ok()) std::abort();
}

absl::Status BackendRegistry::Register(BackendInfo info) {
  if (info.id.empty()) return absl::InvalidArgumentError("backend id is empty");
  if (!info.make_controlled && !info.make_real) {
    return absl::InvalidArgumentError(absl::StrCat("backend '", info.id, "' has no factory"));
  }
  if (Find(info.id) != nullptr) {
    return absl::AlreadyExistsError(absl::StrCat("duplicate backend id '", info.id, "'"));
  }
  backends_.push_back(std::make_unique<BackendInfo>(std::move(info)));
  return absl::OkStatus();
}

const BackendInfo* BackendRegistry::Find(const std::string& id) const {
  for (const auto& b : backends_) {
    if (b->id == id) return b.get();
  }
  return nullptr;
}

std::vector<const BackendInfo*> BackendRegistry::Listed() const {
  std::vector<const BackendInfo*> out;
  for (const auto& b : backends_) {
    if (b->listed) out.push_back(b.get());
  }
  return out;
}

std::string BackendRegistry::ValidIds() const {
  std::string out;
  for (const BackendInfo* b : Listed()) absl::StrAppend(&out, out.empty() ? "" : ", ", b->id);
  return out;
}

}  // namespace mapfault
