#include "hidden_evidence.h"

namespace msgsim {

namespace {
thread_local const HiddenEvidence* innermost = nullptr;
}  // namespace

HiddenEvidence::HiddenEvidence(std::string actor, std::function<bool(const Capture&)> hide)
    : actor_(std::move(actor)), hide_(std::move(hide)), outer_(innermost) {
  innermost = this;
}

HiddenEvidence::~HiddenEvidence() { innermost = outer_; }

bool HiddenEvidence::hidden(std::string_view actor, const Capture& capture) {
  for (const HiddenEvidence* h = innermost; h != nullptr; h = h->outer_)
    if (h->actor_ == actor && h->hide_(capture)) return true;
  return false;
}

bool HiddenEvidence::any_for(std::string_view actor) {
  for (const HiddenEvidence* h = innermost; h != nullptr; h = h->outer_)
    if (h->actor_ == actor) return true;
  return false;
}

}  // namespace msgsim
