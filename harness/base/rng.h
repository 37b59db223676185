// Deterministic, splittable pseudo-random numbers. Every random choice mapfault makes flows from one
// seed through this generator, so a seed reproduces a trial bit for bit on any machine.
#ifndef MAPFAULT_HARNESS_BASE_RNG_H_
#define MAPFAULT_HARNESS_BASE_RNG_H_

#include <cstdint>

namespace mapfault {

// SplitMix64 finaliser: a good 64-bit mixing function, also used as the deterministic key hash.
constexpr uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit constexpr Rng(uint64_t seed) : state_(seed) {}

  constexpr uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ull;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound); bound > 0. Lemire's multiply-shift (tiny bias is irrelevant here).
  constexpr uint64_t Below(uint64_t bound) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * bound) >> 64);
  }
  constexpr bool Chance(uint32_t percent) { return Below(100) < percent; }
  // An independent generator for a named purpose (stream), leaving this one untouched.
  constexpr Rng Split(uint64_t stream) const { return Rng(Mix64(state_ ^ Mix64(stream + 1))); }

 private:
  uint64_t state_;
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_BASE_RNG_H_
