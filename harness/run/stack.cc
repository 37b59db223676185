// Stack collapsing and printing (see stack.h).
#include "harness/run/stack.h"

#include <filesystem>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace mapfault {
namespace {

// Which frames are collapsed: one row per kind of frame the reader does not need to see.
struct CollapseRule {
  std::string_view what;  // the collapsed entry's description
  std::vector<std::string_view> functions;  // prefixes of the frame's function
  std::vector<std::string_view> files;      // prefixes of its source file's name
  std::vector<std::string_view> modules;    // prefixes of its module's file name
  bool list_names;        // name the collapsed functions in the entry (short, familiar ones)
};

const std::vector<CollapseRule>& CollapseRules() {
  static const std::vector<CollapseRule> kRules = {
      {"harness",
       {"boost::context::", "make_fcontext", "jump_fcontext", "ontop_fcontext", "trampoline",
        "mapfault::Scheduler::", "std::_Function_handler<", "std::function<", "std::__invoke",
        "std::thread::_State_impl<", "std::thread::_Invoker<", "__restore_rt",
        "mapfault::FatalMisuse(",
        // The Sync seam's plain cells: the access's own line is the backend's frame below.
        "mapfault::ControlledSync::Var<", "mapfault::RealSync::Var<"},
       {"fiber_fcontext.hpp", "functional", "invoke.h", "std_function.h", "std_thread.h",
        "scheduler.cc", "fiber_entry.cc"},
       {},
       false},
      {"C library", {}, {}, {"libc.so", "libc-"}, true},
  };
  return kRules;
}

std::string_view BaseName(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// The rule `frame` falls under, or nullptr.
const CollapseRule* RuleFor(const StackFrame& frame) {
  auto any_prefix = [](std::string_view subject, const std::vector<std::string_view>& prefixes) {
    for (std::string_view prefix : prefixes) {
      if (!subject.empty() && subject.starts_with(prefix)) return true;
    }
    return false;
  };
  for (const CollapseRule& rule : CollapseRules()) {
    if (any_prefix(frame.function, rule.functions) ||
        any_prefix(BaseName(frame.file), rule.files) ||
        any_prefix(BaseName(frame.module), rule.modules)) {
      return &rule;
    }
  }
  return nullptr;
}

}  // namespace

std::vector<StackFrame> CollapseHarnessFrames(const std::vector<StackFrame>& frames) {
  std::vector<StackFrame> out;
  for (size_t i = 0; i < frames.size();) {
    const CollapseRule* rule = frames[i].collapsed > 0 ? nullptr : RuleFor(frames[i]);
    if (rule == nullptr) {
      out.push_back(frames[i++]);
      continue;
    }
    std::vector<std::string> names;
    size_t j = i;
    for (; j < frames.size() && frames[j].collapsed == 0 && RuleFor(frames[j]) == rule; ++j) {
      if (rule->list_names && !frames[j].function.empty()) names.push_back(frames[j].function);
    }
    StackFrame c;
    c.collapsed = static_cast<int>(j - i);
    c.what = std::string(rule->what);
    if (!names.empty() && names.size() <= 4) c.function = absl::StrJoin(names, ", ");
    out.push_back(std::move(c));
    i = j;
  }
  return out;
}

std::string FrameText(const StackFrame& frame) {
  if (frame.collapsed > 0) {
    return absl::StrCat("... ", frame.collapsed, " ", frame.what,
                        frame.collapsed == 1 ? " frame" : " frames",
                        frame.function.empty() ? "" : absl::StrCat(" (", frame.function, ")"));
  }
  std::string text = frame.function.empty() ? "??" : frame.function;
  if (!frame.file.empty()) {
    absl::StrAppend(&text, " at ", frame.file);
    if (frame.line > 0) absl::StrAppend(&text, ":", frame.line);
  }
  if (!frame.module.empty()) absl::StrAppend(&text, " in ", std::string(BaseName(frame.module)));
  return text;
}

std::vector<std::string> StackLines(const Stack& stack, size_t max_frames,
                                    std::string_view where_rest) {
  std::vector<std::string> lines = {absl::StrCat(stack.title, ":")};
  size_t shown = 0;
  for (size_t i = 0; i < stack.frames.size(); ++i) {
    const StackFrame& f = stack.frames[i];
    if (max_frames > 0 && shown == max_frames) {
      size_t rest = 0;
      for (size_t j = i; j < stack.frames.size(); ++j) {
        rest += stack.frames[j].collapsed > 0 ? stack.frames[j].collapsed : 1;
      }
      const std::string where =
          where_rest.empty() ? "" : absl::StrCat(" (", std::string(where_rest), ")");
      lines.push_back(absl::StrCat("  ... ", rest, " more frame", rest == 1 ? "" : "s", where));
      break;
    }
    lines.push_back(absl::StrCat("  ", FrameText(f)));
    if (f.collapsed == 0) ++shown;
  }
  return lines;
}

const StackFrame* TopFrame(const Stack& stack) {
  for (const StackFrame& f : stack.frames) {
    if (f.collapsed == 0) return &f;
  }
  return nullptr;
}

std::string SourceRelativePath(const std::string& path) {
#if defined(MAPFAULT_SOURCE_DIR) && defined(MAPFAULT_BUILD_DIR)
  // Debug information names a file as the compiler was given it: relative to the build directory
  // (Ninja's "../harness/run/trial.cc") or absolute.
  std::filesystem::path p(path);
  if (p.empty()) return path;
  if (p.is_relative()) p = std::filesystem::path(MAPFAULT_BUILD_DIR) / p;
  const std::string normal = p.lexically_normal().string();
  constexpr std::string_view kRoot = MAPFAULT_SOURCE_DIR "/";
  if (normal.starts_with(kRoot)) return normal.substr(kRoot.size());
#endif
  return path;
}

}  // namespace mapfault
