// sim/numbering.h (engine-private): the engine's bookkeeping kept beside
// each artifact (sim/evidence.cc makes every artifact with room for it).
#pragma once

#include <atomic>
#include <cstdint>

#include "msgsim/evidence.h"

namespace msgsim {

// An artifact with the engine's bookkeeping beside it: the run that
// journals it first stores its own tag (high 32 bits) and the artifact's
// number in that run (low 32 bits) here, so that a run of millions of
// artifacts needs no index from artifact to number. Every artifact is one
// of these: Artifact's constructors are protected, and only
// sim/evidence.cc makes artifacts.
struct Numbered final : Artifact {
  mutable std::atomic<std::uint64_t> engine_number{0};
};
// A run holds millions of artifacts, each in one allocation with its
// shared_ptr count (make_shared): at most 104 bytes here keeps that
// allocation in glibc's 128-byte bin rather than a larger one.
static_assert(sizeof(void*) != 8 || sizeof(Numbered) <= 104, "an artifact grew past 104 bytes");

// The bookkeeping of `a`: 0 until a run journals it.
inline std::atomic<std::uint64_t>& engine_number(const Artifact& a) {
  return static_cast<const Numbered&>(a).engine_number;
}

}  // namespace msgsim
