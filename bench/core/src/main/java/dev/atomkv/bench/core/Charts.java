package dev.atomkv.bench.core;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.StandardChartTheme;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.SVGUtils;

/**
 * The charts of a results file, drawn by JFreeChart into SVG through JFreeSVG: throughput by
 * calls in flight per system, latency percentiles per operation at each concurrency level, and
 * the memory timeline. {@link Report#update} draws them next to the page that links them.
 */
public final class Charts {
  static {
    // Charts are drawn on servers and in CI without a display; AWT must not look for one.
    System.setProperty("java.awt.headless", "true");
  }

  /** One chart: its file name inside the chart directory and the text the page shows for it. */
  record Chart(String file, String caption) {}

  private static final int WIDTH = 860;
  private static final Map<String, Color> SERIES_COLORS = Map.ofEntries(
      Map.entry("atomkv/atomic", new Color(0x1f77b4)), Map.entry("atomkv/get", new Color(0x2ca02c)),
      Map.entry("atomkv/list", new Color(0x17becf)), Map.entry("atomkv/noop", new Color(0x7f7f7f)),
      Map.entry("etcd/txn", new Color(0xd62728)), Map.entry("etcd/get", new Color(0xff7f0e)),
      Map.entry("etcd/list", new Color(0xe377c2)),
      Map.entry("atomkv/query", new Color(0x9467bd)),
      Map.entry("atomkv/list_docs", new Color(0x8c564b)),
      Map.entry("memory/server", new Color(0x1f77b4)),
      Map.entry("memory/etcd", new Color(0xd62728)));
  private static final List<Color> PERCENTILE_COLORS =
      List.of(new Color(0x9ecae1), new Color(0x4292c6), new Color(0x08306b));

  private Charts() {}

  /**
   * Draws every chart the results hold into {@code dir}, first removing the SVG files a previous
   * run left there, so that a run with fewer concurrency levels leaves no stale chart behind.
   */
  static List<Chart> draw(Map<String, Object> doc, Path dir) throws IOException {
    Files.createDirectories(dir);
    try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "*.svg")) {
      for (Path p : old) {
        Files.delete(p);
      }
    }
    List<Map<String, Object>> rows = summaryRows(doc);
    List<Chart> charts = new ArrayList<>();
    Chart t = new Chart("throughput.svg", "Throughput (successful calls/s) by calls in flight");
    write(dir.resolve(t.file()), throughput(rows, t.caption()), 500);
    charts.add(t);
    for (long c : new TreeSet<>(rows.stream().map(r -> (long) Report.num(r.get("concurrency")))
        .toList())) {
      List<Map<String, Object>> at = rows.stream()
          .filter(r -> (long) Report.num(r.get("concurrency")) == c).toList();
      Chart l = new Chart("latency-c" + c + ".svg",
          "Latency percentiles at " + c + " in flight (ms, log scale)");
      write(dir.resolve(l.file()), latency(at, c, l.caption()), 140 + 70 * at.size());
      charts.add(l);
    }
    JFreeChart memory = memory(doc);
    if (memory != null) {
      Chart m = new Chart("memory.svg", "Anonymous RSS during the run (MiB)");
      memory.setTitle(m.caption());
      write(dir.resolve(m.file()), memory, 420);
      charts.add(m);
    }
    return charts;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> summaryRows(Map<String, Object> doc) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Object o : (List<Object>) doc.get("summary")) {
      rows.add((Map<String, Object>) o);
    }
    rows.sort(Comparator.<Map<String, Object>>comparingInt(r -> {
      int i = Report.ORDER.indexOf(r.get("system") + "/" + r.get("scenario"));
      return i < 0 ? 99 : i;
    }).thenComparingLong(r -> (long) Report.num(r.get("concurrency"))));
    return rows;
  }

  static String seriesName(String system, String scenario) {
    return switch (system + "/" + scenario) {
      case "atomkv/atomic" -> "atomkv Atomic";
      case "atomkv/noop" -> "no-op gRPC";
      case "atomkv/get" -> "atomkv Get";
      case "atomkv/list" -> "atomkv List";
      case "etcd/txn" -> "etcd Txn";
      case "etcd/get" -> "etcd Range";
      case "etcd/list" -> "etcd prefix Range";
      case "atomkv/query" -> "atomkv entity Query (100 documents)";
      case "atomkv/list_docs" -> "atomkv List (100 same documents)";
      case "atomkv/entity_set" -> "atomkv set, document with 2 indexes";
      case "atomkv/plain_set" -> "atomkv set, plain key";
      case "lmdb/put_synced" -> "LMDB alone, 1 put per synced txn";
      default -> system + " " + scenario;
    };
  }

  private static JFreeChart throughput(List<Map<String, Object>> rows, String title) {
    Map<String, XYSeries> bySeries = new LinkedHashMap<>();
    for (Map<String, Object> r : rows) {
      // LMDB alone's "concurrency" is puts per transaction on one thread, not calls in flight.
      if ("lmdb".equals(r.get("system"))) {
        continue;
      }
      String key = r.get("system") + "/" + r.get("scenario");
      bySeries.computeIfAbsent(key, k -> new XYSeries(
              seriesName(String.valueOf(r.get("system")), String.valueOf(r.get("scenario")))))
          .add(Report.num(r.get("concurrency")), Report.num(r.get("ops_per_s")));
    }
    XYSeriesCollection data = new XYSeriesCollection();
    bySeries.values().forEach(data::addSeries);
    JFreeChart chart = ChartFactory.createXYLineChart(title, "calls in flight (log scale)",
        "ok/s", data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    LogAxis x = new LogAxis("calls in flight (log scale)");
    x.setBase(2);
    x.setTickUnit(new NumberTickUnit(1));
    x.setNumberFormatOverride(new DecimalFormat("0"));
    x.setMinorTickMarksVisible(false);
    plot.setDomainAxis(x);
    ((NumberAxis) plot.getRangeAxis()).setNumberFormatOverride(new DecimalFormat("#,##0"));
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    renderer.setAutoPopulateSeriesStroke(false);
    renderer.setDefaultStroke(new BasicStroke(2f));
    plot.setRenderer(renderer);
    themed(chart);
    List<String> keys = new ArrayList<>(bySeries.keySet());
    for (int i = 0; i < keys.size(); i++) {
      Color c = SERIES_COLORS.get(keys.get(i));
      if (c != null) {
        renderer.setSeriesPaint(i, c);
      }
    }
    return chart;
  }

  private static JFreeChart latency(List<Map<String, Object>> rows, long concurrency,
      String title) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    String[] percentiles = {"p50", "p99", "p99.9"};
    String[] fields = {"p50_us", "p99_us", "p999_us"};
    double min = Double.MAX_VALUE;
    double max = 0;
    for (Map<String, Object> r : rows) {
      String system = String.valueOf(r.get("system"));
      String name = seriesName(system, String.valueOf(r.get("scenario")));
      if (system.equals("lmdb") && concurrency > 1) {
        name = "LMDB alone, " + concurrency + " puts per synced txn";
      }
      for (int i = 0; i < fields.length; i++) {
        double us = Report.num(r.get(fields[i]));
        if (us > 0) {
          data.addValue(us / 1000, percentiles[i], name);
          min = Math.min(min, us / 1000);
          max = Math.max(max, us / 1000);
        }
      }
    }
    JFreeChart chart = ChartFactory.createBarChart(title, null, "ms (log scale)", data,
        PlotOrientation.HORIZONTAL, true, false, false);
    CategoryPlot plot = chart.getCategoryPlot();
    // Latencies span three orders of magnitude (a no-op at 1 in flight to etcd at 256): on a
    // linear axis every atomkv bar would be a sliver.
    LogAxis ms = new LogAxis("ms (log scale)");
    ms.setNumberFormatOverride(new DecimalFormat("0.###"));
    // A labelled tick at each power of ten, a minor one at 2..9 times it; the axis starts at the
    // power of ten below the shortest bar so that every bar has a labelled tick to its left
    // (a hair below it: the axis' own logarithm of 0.1 rounds to just above -1 and would lose it).
    ms.setTickUnit(new NumberTickUnit(1, new DecimalFormat("0"), 9));
    ms.setMinorTickMarksVisible(true);
    if (max > 0) {
      ms.setRange(Math.pow(10, Math.floor(Math.log10(min))) * 0.98, max * 1.5);
    }
    plot.setRangeAxis(ms);
    plot.setRangeAxisLocation(AxisLocation.BOTTOM_OR_LEFT);
    themed(chart);
    plot.setRangeMinorGridlinesVisible(true);
    plot.setRangeMinorGridlinePaint(new Color(0xeeeeee));
    CategoryAxis ops = plot.getDomainAxis();
    ops.setMaximumCategoryLabelWidthRatio(0.35f);
    BarRenderer renderer = (BarRenderer) plot.getRenderer();
    // Bars start at the axis' lower edge: a log axis has no zero.
    renderer.setIncludeBaseInRange(false);
    renderer.setItemMargin(0.05);
    for (int i = 0; i < PERCENTILE_COLORS.size(); i++) {
      renderer.setSeriesPaint(i, PERCENTILE_COLORS.get(i));
    }
    return chart;
  }

  @SuppressWarnings("unchecked")
  private static JFreeChart memory(Map<String, Object> doc) {
    Map<String, Object> mem = (Map<String, Object>) doc.get("memory");
    List<Object> timeline = mem == null ? null : (List<Object>) mem.get("timeline");
    if (timeline == null || timeline.isEmpty()) {
      return null;
    }
    XYSeries server = new XYSeries("atomkv server");
    XYSeries etcd = new XYSeries("etcd");
    for (Object o : timeline) {
      Map<String, Object> p = (Map<String, Object>) o;
      double t = Report.num(p.get("t_s"));
      server.add(t, Report.num(p.get("server_rss_anon")) / 1024 / 1024);
      etcd.add(t, Report.num(p.get("etcd_rss_anon")) / 1024 / 1024);
    }
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(server);
    data.addSeries(etcd);
    JFreeChart chart = ChartFactory.createXYLineChart(null, "seconds since the server started",
        "MiB", data, PlotOrientation.VERTICAL, true, false, false);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    renderer.setAutoPopulateSeriesStroke(false);
    renderer.setDefaultStroke(new BasicStroke(2f));
    chart.getXYPlot().setRenderer(renderer);
    themed(chart);
    renderer.setSeriesPaint(0, SERIES_COLORS.get("memory/server"));
    renderer.setSeriesPaint(1, SERIES_COLORS.get("memory/etcd"));
    return chart;
  }

  /**
   * Plain white charts in the browser's sans-serif, without the default gradients and shadows.
   * Applied once the axes and renderers are in place (it styles those it finds) and before any
   * series colour is set (it clears them).
   */
  private static void themed(JFreeChart chart) {
    StandardChartTheme t = new StandardChartTheme("atomkv bench");
    t.setExtraLargeFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    t.setLargeFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
    t.setRegularFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    t.setSmallFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
    Paint grid = new Color(0xdddddd);
    t.setChartBackgroundPaint(Color.WHITE);
    t.setPlotBackgroundPaint(Color.WHITE);
    t.setDomainGridlinePaint(grid);
    t.setRangeGridlinePaint(grid);
    t.setBarPainter(new StandardBarPainter());
    t.setXYBarPainter(new StandardXYBarPainter());
    t.setShadowVisible(false);
    t.apply(chart);
  }

  private static void write(Path file, JFreeChart chart, int height) throws IOException {
    SVGGraphics2D g2 = new SVGGraphics2D(WIDTH, height);
    // A fixed prefix instead of JFreeSVG's time-based one: the same results give the same file,
    // so a redraw from an unchanged results file leaves no diff.
    g2.setDefsKeyPrefix(file.getFileName().toString().replace(".svg", ""));
    // Two decimals are a hundredth of a pixel; the default shortest-exact form triples the size.
    g2.setGeomDoubleConverter(SVGUtils.createDoubleConverter(2));
    chart.draw(g2, new Rectangle2D.Double(0, 0, WIDTH, height));
    Files.writeString(file, g2.getSVGElement() + "\n", StandardCharsets.UTF_8);
  }
}
