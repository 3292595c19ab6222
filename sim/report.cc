// The report writers' entry points (msgsim/report.h): a Report rendered
// whole in one format, or streamed protocol by protocol as a run goes. The
// formats are one file each (sim/report_writers.h lists them).
#include "msgsim/report.h"

#include <memory>
#include <sstream>
#include <stdexcept>

#include "report_writers.h"

namespace msgsim {

using report::ReportGrid;
using report::Sink;
using report::kCsvHeader;
using report::json_head;
using report::json_results;
using report::json_tail;
using report::csv_results;

std::optional<Format> parse_format(std::string_view name) {
  if (name == "table") return Format::kTable;
  if (name == "markdown" || name == "md") return Format::kMarkdown;
  if (name == "csv") return Format::kCsv;
  if (name == "json") return Format::kJson;
  return std::nullopt;
}

void render(const Report& report, Format format, const RenderOptions& options, std::ostream& os) {
  const ReportGrid grid(report);
  Sink sink(os);
  switch (format) {
    case Format::kTable: return render_table(grid, options, sink);
    case Format::kMarkdown: return render_markdown(grid, options, sink);
    case Format::kCsv: return render_csv(grid, sink);
    case Format::kJson: return render_json(grid, sink);
  }
  throw std::logic_error("unknown report format");
}

std::string render(const Report& report, Format format, const RenderOptions& options) {
  std::ostringstream os;
  render(report, format, options, os);
  return std::move(os).str();
}

struct StreamingReport::Impl {
  Format format;
  Sink sink;
  std::size_t written = 0;  // protocols written so far
  bool head = false;
  bool first = true;  // JSON: no cell written yet

  void write_head(const Report& report) {
    if (head) return;
    head = true;
    if (format == Format::kJson) json_head(report, sink);
    else sink << kCsvHeader;
  }
};

StreamingReport::StreamingReport(Format format, std::ostream& os) : impl_(new Impl{format, Sink(os)}) {
  if (!supports(format)) throw std::invalid_argument("only JSON and CSV reports can be written as the run goes");
}

StreamingReport::~StreamingReport() = default;

void StreamingReport::protocol(const Report& report, std::size_t index) {
  if (index != impl_->written)
    throw std::logic_error(fmt::format("protocol {} written out of order (next: {})", index, impl_->written));
  impl_->write_head(report);
  const ReportGrid grid(report, index);
  if (impl_->format == Format::kJson) json_results(grid, index, impl_->first, impl_->sink);
  else csv_results(grid, index, impl_->sink);
  impl_->sink.flush();
  ++impl_->written;
}

void StreamingReport::finish(const Report& report) {
  if (impl_->written != report.protocols.size())
    throw std::logic_error(fmt::format("report finished after {} of {} protocols", impl_->written,
                                       report.protocols.size()));
  impl_->write_head(report);
  if (impl_->format == Format::kJson) json_tail(ReportGrid(report), impl_->first, impl_->sink);
  impl_->sink.flush();
}

}  // namespace msgsim
