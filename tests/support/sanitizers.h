// tests/support: whether the tests run under AddressSanitizer, whose
// shadow memory and slower code make some tests meaningless or too slow
// (a memory limit, a million-table file); those skip themselves there.
#pragma once

namespace msgsim::testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kUnderAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kUnderAddressSanitizer = true;
#else
inline constexpr bool kUnderAddressSanitizer = false;
#endif
#else
inline constexpr bool kUnderAddressSanitizer = false;
#endif

}  // namespace msgsim::testing
