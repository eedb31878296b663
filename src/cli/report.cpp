#include "cli/report.h"

#include "cli/files.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>


namespace bnn::cli {
namespace {

std::string base_name(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const size_t s = p.rfind('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// A number from a metrics line, NaN when absent or not a number.
double num(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j.at(key).is_number()) return NAN;
  return j.at(key).get<double>();
}

bool binarised(const json& line) { return line.value("quantized", true); }

// ---- charts ------------------------------------------------------------------------------------

struct Series {
  std::string label, color;
  std::vector<std::pair<double, double>> points;  // (epoch, value), finite only
  bool dashed = false;
};

struct Marker {
  double x;
  std::string label, color;
};

const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                          "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"};

std::string color_of(size_t i) { return kPalette[i % (sizeof kPalette / sizeof kPalette[0])]; }

// Tick values covering [lo, hi]: 1, 2 or 5 times a power of ten, about `want` of them.
std::vector<double> nice_ticks(double lo, double hi, int want) {
  std::vector<double> t;
  const double range = hi - lo;
  if (!(range > 0)) return {lo};
  const double raw = range / want, mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    t.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  return t;
}

std::string tick_label(double v, bool logy) {
  if (logy) return fmt("%.0e", std::pow(10.0, v));
  char b[32];
  std::snprintf(b, sizeof b, "%g", std::round(v * 1e6) / 1e6);
  return b;
}

// One chart as an inline <svg>, with its legend as HTML below it (long run names do not fit in
// the plot). Log scale draws log10 of the values; non-positive values are dropped there.
std::string svg_chart(const std::string& title, const std::vector<Series>& in, bool logy,
                      const std::vector<Marker>& markers) {
  const double W = 460, H = 270, L = 58, R = 12, T = 26, B = 38;
  std::vector<Series> series = in;
  double xmin = 1e300, xmax = -1e300, ymin = 1e300, ymax = -1e300;
  for (auto& s : series) {
    std::vector<std::pair<double, double>> kept;
    for (auto [x, y] : s.points) {
      if (!std::isfinite(y) || (logy && y <= 0)) continue;
      if (logy) y = std::log10(y);
      kept.emplace_back(x, y);
      xmin = std::min(xmin, x);
      xmax = std::max(xmax, x);
      ymin = std::min(ymin, y);
      ymax = std::max(ymax, y);
    }
    s.points = kept;
  }
  std::ostringstream o;
  o << "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W
    << "\" height=\"" << H << "\" viewBox=\"0 0 " << W << " " << H << "\" role=\"img\">";
  o << "<text x=\"" << W / 2 << "\" y=\"16\" text-anchor=\"middle\" class=\"title\">" << esc(title)
    << "</text>";
  if (xmin > xmax) {
    o << "<text x=\"" << W / 2 << "\" y=\"" << H / 2 << "\" text-anchor=\"middle\">no data</text>";
    o << "</svg></figure>";
    return o.str();
  }
  if (xmax - xmin < 1) xmax = xmin + 1;
  if (ymax - ymin < 1e-9) {
    const double pad = logy ? 0.5 : std::max(std::abs(ymax) * 0.05, 1e-3);
    ymin -= pad;
    ymax += pad;
  } else {
    const double pad = (ymax - ymin) * 0.05;
    ymin -= pad;
    ymax += pad;
  }
  if (logy) {
    ymin = std::floor(ymin);
    ymax = std::ceil(ymax);
  }
  auto px = [&](double x) { return L + (x - xmin) / (xmax - xmin) * (W - L - R); };
  auto py = [&](double y) { return T + (ymax - y) / (ymax - ymin) * (H - T - B); };
  // Axes, grid and ticks.
  o << "<rect x=\"" << L << "\" y=\"" << T << "\" width=\"" << W - L - R << "\" height=\""
    << H - T - B << "\" class=\"frame\"/>";
  for (double v : logy ? nice_ticks(ymin, ymax, std::max(2, static_cast<int>(ymax - ymin)))
                       : nice_ticks(ymin, ymax, 5)) {
    if (logy && std::abs(v - std::round(v)) > 1e-9) continue;
    o << "<line x1=\"" << L << "\" x2=\"" << W - R << "\" y1=\"" << fmt("%.1f", py(v)) << "\" y2=\""
      << fmt("%.1f", py(v)) << "\" class=\"grid\"/>";
    o << "<text x=\"" << L - 4 << "\" y=\"" << fmt("%.1f", py(v) + 4)
      << "\" text-anchor=\"end\" class=\"tick\">" << esc(tick_label(v, logy)) << "</text>";
  }
  for (double v : nice_ticks(xmin, xmax, 6)) {
    if (std::abs(v - std::round(v)) > 1e-9) continue;  // epochs are whole
    o << "<text x=\"" << fmt("%.1f", px(v)) << "\" y=\"" << H - B + 14
      << "\" text-anchor=\"middle\" class=\"tick\">" << static_cast<long long>(std::round(v))
      << "</text>";
  }
  o << "<text x=\"" << L + (W - L - R) / 2 << "\" y=\"" << H - 6
    << "\" text-anchor=\"middle\" class=\"axis\">epoch</text>";
  for (const Marker& m : markers) {
    if (m.x < xmin || m.x > xmax) continue;
    o << "<line x1=\"" << fmt("%.1f", px(m.x)) << "\" x2=\"" << fmt("%.1f", px(m.x)) << "\" y1=\""
      << T << "\" y2=\"" << H - B << "\" stroke=\"" << m.color
      << "\" stroke-dasharray=\"3,3\" stroke-width=\"1\"><title>" << esc(m.label)
      << "</title></line>";
  }
  for (const Series& s : series) {
    if (s.points.empty()) continue;
    o << "<polyline fill=\"none\" stroke=\"" << s.color << "\" stroke-width=\"1.6\""
      << (s.dashed ? " stroke-dasharray=\"5,3\"" : "") << " points=\"";
    for (auto [x, y] : s.points) o << fmt("%.1f", px(x)) << "," << fmt("%.1f", py(y)) << " ";
    o << "\"><title>" << esc(s.label) << "</title></polyline>";
    if (s.points.size() <= 40)
      for (auto [x, y] : s.points)
        o << "<circle cx=\"" << fmt("%.1f", px(x)) << "\" cy=\"" << fmt("%.1f", py(y))
          << "\" r=\"2\" fill=\"" << s.color << "\"/>";
  }
  o << "</svg><figcaption>";
  for (const Series& s : series)
    o << "<span class=\"key\"><span class=\"swatch\" style=\"background:" << s.color
      << "\"></span>" << esc(s.label) << "</span> ";
  for (const Marker& m : markers)
    o << "<span class=\"key\"><span class=\"swatch mark\" style=\"border-color:" << m.color
      << "\"></span>" << esc(m.label) << "</span> ";
  o << "</figcaption></figure>\n";
  return o.str();
}

Series series_of(const std::vector<json>& metrics, const char* key, const std::string& label,
                 const std::string& color, bool dashed = false) {
  Series s{label, color, {}, dashed};
  for (const json& m : metrics) {
    const double e = num(m, "epoch");
    if (std::isfinite(e)) s.points.emplace_back(e + 1, num(m, key));
  }
  return s;
}

// ---- runs and sweeps ---------------------------------------------------------------------------

struct Run {
  std::string name, dir, status, params;  // params: "path=value, ..." for sweep runs
  int exit_code = 0;
  std::vector<json> metrics;
  RunAnalysis a;
};

struct Group {
  std::string name, dir;
  bool sweep = false;
  std::vector<Run> runs;
};

Run load_run(const std::string& dir, const std::string& name, const ReportOptions& opt) {
  Run r;
  r.dir = dir;
  r.name = name.empty() ? base_name(dir) : name;
  r.metrics = read_metrics(dir);
  r.a = analyse_metrics(r.metrics, opt.plateau_tolerance, opt.target_accuracy);
  // Finished: summary.json written, or (for the report `bnn train` writes just before it) as
  // many epochs logged as the run's config.json plans.
  size_t planned = 0;
  std::ifstream cfg(dir + "/config.json");
  if (cfg) {
    try {
      const json c = json::parse(cfg);
      planned = c.contains("training") ? c["training"].value("epochs", size_t{20}) : 20;
    } catch (const std::exception&) {
    }
  }
  const bool all_epochs = planned > 0 && r.metrics.size() >= planned;
  r.status = (is_file(dir + "/summary.json") || all_epochs) ? "finished"
             : r.metrics.empty()                          ? "not started"
                                                          : "incomplete";
  return r;
}

Group load_group(const std::string& path, const ReportOptions& opt) {
  Group g;
  g.dir = path;
  g.name = base_name(path);
  if (is_file(path + "/sweep.json")) {
    json index;
    try {
      std::ifstream f(path + "/sweep.json");
      index = json::parse(f);
    } catch (const std::exception& e) {
      throw std::runtime_error(path + "/sweep.json: " + e.what());
    }
    if (!index.is_object() || !index.contains("runs") || !index["runs"].is_array())
      throw std::runtime_error(path + "/sweep.json: expected an object with a \"runs\" list");
    g.sweep = true;
    ReportOptions o = opt;
    if (o.target_accuracy <= 0) o.target_accuracy = index.value("target_accuracy", 0.0);
    for (const json& e : index["runs"]) {
      const std::string dir = path + "/" + e.value("dir", std::string());
      Run r = load_run(dir, e.value("name", std::string()), o);
      const std::string st = e.value("status", std::string());
      if (st == "failed") {
        r.status = "failed";
        r.exit_code = e.value("exit_code", 0);
      }
      if (e.contains("params") && e["params"].is_object()) {
        std::string p;
        for (auto it = e["params"].begin(); it != e["params"].end(); ++it)
          p += (p.empty() ? "" : ", ") + it.key() + "=" + it.value().dump();
        r.params = p;
      }
      g.runs.push_back(std::move(r));
    }
    return g;
  }
  if (!is_dir(path)) throw std::runtime_error(path + ": no such folder");
  if (!is_file(path + "/metrics.jsonl"))
    throw std::runtime_error(path + ": neither a run (metrics.jsonl) nor a sweep (sweep.json)");
  g.runs.push_back(load_run(path, "", opt));
  return g;
}

std::vector<Marker> run_markers(const Run& r) {
  std::vector<Marker> m;
  // Phase switches and the end of full-precision pretraining, then best and plateau.
  for (size_t i = 1; i < r.metrics.size(); ++i) {
    const json &a = r.metrics[i - 1], &b = r.metrics[i];
    std::string what;
    if (binarised(a) != binarised(b)) what = binarised(b) ? "binarised" : "full precision";
    if (a.value("phase", -1) != b.value("phase", -1))
      what += std::string(what.empty() ? "" : ", ") + "phase " + std::to_string(b.value("phase", -1));
    if (!what.empty()) m.push_back({num(b, "epoch") + 1, what + " from epoch " +
                                                           std::to_string(b.value("epoch", 0) + 1),
                                    "#555555"});
  }
  if (r.a.plateau_epoch > 0)
    m.push_back({static_cast<double>(r.a.plateau_epoch),
                 "plateau: epoch " + std::to_string(r.a.plateau_epoch), "#2ca02c"});
  if (r.a.best_epoch > 0)
    m.push_back({static_cast<double>(r.a.best_epoch),
                 "best validation: epoch " + std::to_string(r.a.best_epoch), "#d62728"});
  return m;
}

bool any_positive(const std::vector<json>& metrics, const char* key) {
  for (const json& m : metrics)
    if (num(m, key) > 0) return true;
  return false;
}

// Log scale when the values span more than a factor of 20 (learning rates, flip ratios).
bool wants_log(const std::vector<Series>& s) {
  double lo = 1e300, hi = 0;
  for (auto& x : s)
    for (auto [e, v] : x.points)
      if (v > 0 && std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
  return hi > 0 && hi / lo > 20;
}

std::string run_charts(const Run& r) {
  std::string o;
  const auto marks = run_markers(r);
  o += svg_chart("loss: " + r.name,
                 {series_of(r.metrics, "train_loss", "train", color_of(0)),
                  series_of(r.metrics, "val_loss", "validation", color_of(1)),
                  series_of(r.metrics, "test_loss", "test", color_of(2), true)},
                 false, marks);
  o += svg_chart("accuracy: " + r.name,
                 {series_of(r.metrics, "train_accuracy", "train", color_of(0)),
                  series_of(r.metrics, "val_accuracy", "validation", color_of(1)),
                  series_of(r.metrics, "test_accuracy", "test", color_of(2), true)},
                 false, marks);
  std::vector<Series> flips = {series_of(r.metrics, "flip_ratio", "flip ratio", color_of(4))};
  o += svg_chart("flip ratio: " + r.name, flips, wants_log(flips) && any_positive(r.metrics, "flip_ratio"),
                 marks);
  std::vector<Series> lr = {series_of(r.metrics, "lr", "learning rate", color_of(3))};
  o += svg_chart("learning rate: " + r.name, lr, wants_log(lr), marks);
  return o;
}

std::string overlay_charts(const Group& g) {
  std::string o;
  struct Spec {
    const char* key;
    const char* title;
  };
  for (Spec s : {Spec{"val_accuracy", "validation accuracy"}, Spec{"train_accuracy", "train accuracy"},
                 Spec{"train_loss", "train loss"}, Spec{"flip_ratio", "flip ratio"},
                 Spec{"lr", "learning rate"}}) {
    std::vector<Series> series;
    for (size_t i = 0; i < g.runs.size(); ++i)
      series.push_back(series_of(g.runs[i].metrics, s.key, g.runs[i].name, color_of(i)));
    o += svg_chart(std::string(s.title) + ": " + g.name, series, wants_log(series), {});
  }
  return o;
}

std::string epoch_cell(int e) { return e > 0 ? std::to_string(e) : ""; }
std::string acc_cell(double v, bool have) { return have ? fmt("%.4f", v) : ""; }

std::vector<std::string> table_header(bool target) {
  std::vector<std::string> h = {"group", "run", "settings", "status", "epochs", "best epoch",
                                "best val acc", "test acc at best", "plateau epoch",
                                "epochs after plateau", "test acc at plateau", "final test acc"};
  if (target) h.push_back("epochs to target");
  h.push_back("train seconds");
  return h;
}

std::vector<std::string> table_row(const Group& g, const Run& r, bool target) {
  const RunAnalysis& a = r.a;
  const bool have = a.best_epoch > 0;
  std::string status = r.status;
  if (r.status == "failed") status += " (exit " + std::to_string(r.exit_code) + ")";
  std::vector<std::string> row = {
      g.name,
      r.name,
      r.params,
      status,
      std::to_string(a.epochs),
      epoch_cell(a.best_epoch),
      acc_cell(a.best_val, have),
      acc_cell(a.test_at_best, have),
      epoch_cell(a.plateau_epoch),
      have ? std::to_string(a.best_epoch - a.plateau_epoch) : "",
      acc_cell(a.test_at_plateau, have),
      acc_cell(a.final_test, a.epochs > 0)};
  if (target) row.push_back(a.target_epoch > 0 ? std::to_string(a.target_epoch) : (a.epochs ? "never" : ""));
  row.push_back(a.epochs ? fmt("%.1f", a.seconds) : "");
  return row;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

const char* kStyle =
    "body{font-family:sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse;font-size:13px;margin:1em 0}"
    "th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}"
    "td:nth-child(-n+4),th:nth-child(-n+4){text-align:left}"
    "tr.failed td{background:#fde8e8}"
    ".charts{display:flex;flex-wrap:wrap;gap:8px}"
    "figure.chart{margin:0;border:1px solid #eee;padding:4px}"
    "figcaption{font-size:11px;max-width:460px}"
    ".key{white-space:nowrap;margin-right:8px}"
    ".swatch{display:inline-block;width:14px;height:3px;vertical-align:middle;margin-right:3px}"
    ".swatch.mark{height:10px;width:0;border-left:2px dashed;background:none}"
    "svg text{font-size:11px;fill:#333}svg text.title{font-size:12px;font-weight:bold}"
    ".frame{fill:none;stroke:#999}.grid{stroke:#eee}"
    "p.note{font-size:12px;color:#555;max-width:60em}";

}  // namespace

std::vector<json> read_metrics(const std::string& run_dir) {
  std::vector<json> out;
  std::ifstream f(run_dir + "/metrics.jsonl");
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    try {
      json j = json::parse(line);
      if (j.is_object() && j.contains("epoch")) out.push_back(std::move(j));
    } catch (...) {
      // A line cut by a kill mid-write: the run resumes and rewrites it.
    }
  }
  return out;
}

RunAnalysis analyse_metrics(const std::vector<json>& metrics, double tol, double target) {
  RunAnalysis a;
  a.epochs = static_cast<int>(metrics.size());
  double best = -1;
  for (const json& m : metrics) {
    const int e = m.value("epoch", 0) + 1;
    const double val = num(m, "val_accuracy");
    if (std::isfinite(num(m, "seconds"))) a.seconds += num(m, "seconds");
    a.final_val = val;
    a.final_test = num(m, "test_accuracy");
    if (target > 0 && a.target_epoch == 0 && val >= target) a.target_epoch = e;
    // Only binarised epochs count (as for best.bnn): a full-precision epoch is not the model.
    if (!binarised(m) || !std::isfinite(val)) continue;
    if (val > best) {
      best = val;
      a.best_epoch = e;
      a.best_val = val;
      a.test_at_best = num(m, "test_accuracy");
    }
  }
  if (a.best_epoch > 0)
    for (const json& m : metrics)
      if (binarised(m) && num(m, "val_accuracy") >= a.best_val - tol) {
        a.plateau_epoch = m.value("epoch", 0) + 1;
        a.test_at_plateau = num(m, "test_accuracy");
        break;
      }
  return a;
}

void write_report(const std::vector<std::string>& dirs, const std::string& out_html,
                  const ReportOptions& opt) {
  std::vector<Group> groups;
  for (const std::string& d : dirs) groups.push_back(load_group(d, opt));
  double target = opt.target_accuracy;
  bool any_target = target > 0;
  for (const Group& g : groups)
    for (const Run& r : g.runs) any_target = any_target || r.a.target_epoch > 0;

  std::ostringstream h;
  const std::string title = opt.title.empty() ? "libbnn training report" : opt.title;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>" << esc(title)
    << "</title><style>" << kStyle << "</style></head><body>\n<h1>" << esc(title) << "</h1>\n";
  h << "<p class=\"note\">Epochs are counted from 1. <b>best epoch</b>: the binarised epoch with "
       "the highest validation accuracy (the model kept as best.bnn); <b>plateau epoch</b>: the "
       "first binarised epoch whose validation accuracy is within "
    << fmt("%.2g", opt.plateau_tolerance * 100)
    << " percentage points of the best; <b>test acc at plateau</b> is what early stopping there "
       "would have kept. Dashed vertical lines: grey = phase switch or binarisation, green = "
       "plateau, red = best validation.</p>\n";

  // Results table.
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> failed;
  for (const Group& g : groups)
    for (const Run& r : g.runs) {
      rows.push_back(table_row(g, r, any_target));
      failed.push_back(r.status == "failed");
    }
  const auto header = table_header(any_target);
  h << "<h2>Results</h2>\n<table><thead><tr>";
  for (const auto& c : header) h << "<th>" << esc(c) << "</th>";
  h << "</tr></thead><tbody>\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    h << "<tr" << (failed[i] ? " class=\"failed\"" : "") << ">";
    for (const auto& c : rows[i]) h << "<td>" << esc(c) << "</td>";
    h << "</tr>\n";
  }
  h << "</tbody></table>\n";

  // Overlays per sweep (and for loose runs given together), then each run's own curves.
  std::vector<Group> overlays;
  Group loose;
  loose.name = "runs given";
  for (const Group& g : groups) {
    if (g.sweep) overlays.push_back(g);
    else loose.runs.insert(loose.runs.end(), g.runs.begin(), g.runs.end());
  }
  if (loose.runs.size() > 1) overlays.push_back(loose);
  for (const Group& g : overlays) {
    h << "<h2>" << (g.sweep ? "Sweep " : "") << esc(g.name) << ": runs overlaid</h2>\n<div class=\"charts\">\n"
      << overlay_charts(g) << "</div>\n";
  }
  for (const Group& g : groups)
    for (const Run& r : g.runs) {
      h << "<h2>Run " << esc(r.name) << "</h2>\n<p class=\"note\">" << esc(r.dir)
        << (r.params.empty() ? "" : " &#8212; " + esc(r.params)) << " &#8212; " << esc(r.status)
        << "</p>\n";
      if (r.metrics.empty()) continue;
      h << "<div class=\"charts\">\n" << run_charts(r) << "</div>\n";
    }
  h << "</body></html>\n";
  const std::string html = h.str();
  write_text_atomic(out_html, html);

  std::string csv;
  for (size_t i = 0; i < header.size(); ++i) csv += (i ? "," : "") + csv_field(header[i]);
  csv += "\n";
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) csv += (i ? "," : "") + csv_field(row[i]);
    csv += "\n";
  }
  std::string csv_path = out_html;
  if (csv_path.size() > 5 && csv_path.substr(csv_path.size() - 5) == ".html")
    csv_path = csv_path.substr(0, csv_path.size() - 5);
  csv_path += ".csv";
  write_text_atomic(csv_path, csv);
}


}  // namespace bnn::cli
