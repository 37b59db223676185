// Reading TOML values with positioned errors.
#include "scenarios/scenario_file_reader.h"

#include <algorithm>

namespace mapfault::file_internal {
namespace {

bool ValidId(std::string_view id) {
  if (id.empty()) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '-' && c != '.'))) return false;
  }
  return true;
}

}  // namespace

std::string_view TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date/time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string TomlReader::Where(const toml::source_region& r) const {
  return Cat(path_, ":", r.begin.line, ":", r.begin.column);
}

absl::Status TomlReader::Error(const toml::source_region& r, const std::string& what) const {
  std::string line = Cat(Where(r), ": ", what);
  std::replace(line.begin(), line.end(), '\n', ' ');
  std::replace(line.begin(), line.end(), '\r', ' ');
  return absl::InvalidArgumentError(line);
}

std::vector<std::pair<const toml::key*, const toml::node*>> TomlReader::InOrder(
    const toml::table& t) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (const auto& [k, v] : t) entries.emplace_back(&k, &v);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.first->source().begin < b.first->source().begin;
  });
  return entries;
}

const toml::source_region& TomlReader::KeySource(const toml::table& t, std::string_view key) {
  for (const auto& [k, v] : t) {
    if (k.str() == key) return k.source();
  }
  return t.source();
}

absl::Status TomlReader::CheckKeys(const toml::table& t, std::string_view what,
                                   std::initializer_list<std::string_view> valid,
                                   std::string_view hint) const {
  for (const auto& [k, v] : InOrder(t)) {
    if (std::find(valid.begin(), valid.end(), k->str()) == valid.end()) {
      return Error(k->source(), Cat("unknown key '", k->str(), "' in ", what,
                                    "; valid keys: ", Join(valid, ", "), hint));
    }
  }
  return absl::OkStatus();
}

absl::Status TomlReader::GetString(const toml::table& t, std::string_view key,
                                   std::string& out) const {
  const toml::node* n = t.get(key);
  if (n == nullptr) return absl::OkStatus();
  if (!n->is_string()) {
    return Error(n->source(), Cat("'", key, "' must be a string, not ", TypeName(*n)));
  }
  out = n->as_string()->get();
  return absl::OkStatus();
}

absl::Status TomlReader::GetInt(const toml::table& t, std::string_view key, int64_t lo, int64_t hi,
                                std::optional<int64_t>& out) const {
  const toml::node* n = t.get(key);
  if (n == nullptr) return absl::OkStatus();
  const std::string range = Cat("an integer from ", lo, " to ", hi);
  if (!n->is_integer()) {
    return Error(n->source(), Cat("'", key, "' must be ", range, ", not ", TypeName(*n)));
  }
  const int64_t v = n->as_integer()->get();
  if (v < lo || v > hi) {
    return Error(n->source(), Cat("'", key, "' is ", v, "; expected ", range));
  }
  out = v;
  return absl::OkStatus();
}

absl::Status TomlReader::GetStringList(const toml::table& t, std::string_view key,
                                       std::vector<const toml::value<std::string>*>& out) const {
  const toml::node* n = t.get(key);
  if (n == nullptr) return absl::OkStatus();
  const toml::array* a = n->as_array();
  if (a == nullptr) {
    return Error(n->source(), Cat("'", key, "' must be an array of strings, not ", TypeName(*n)));
  }
  if (a->empty()) {
    return Error(n->source(), Cat("'", key, "' is empty; expected at least one string"));
  }
  for (const toml::node& e : *a) {
    if (!e.is_string()) {
      return Error(e.source(), Cat("'", key, "' must hold strings only, not ", TypeName(e)));
    }
    out.push_back(e.as_string());
  }
  return absl::OkStatus();
}

absl::Status TomlReader::GetId(const toml::table& t, std::string_view what, std::string& id) const {
  if (t.get("id") == nullptr) {
    return Error(t.source(), Cat(what, " has no id; expected id = \"...\" ([a-z0-9][a-z0-9.-]*)"));
  }
  MF_RETURN_IF_ERROR(GetString(t, "id", id));
  if (!ValidId(id)) {
    return Error(t.get("id")->source(), Cat("bad ", what, " id '", id,
                                            "'; expected lower-case letters, digits, '-' "
                                            "and '.', starting with a letter or digit"));
  }
  return absl::OkStatus();
}

}  // namespace mapfault::file_internal
