package com.cohortwatch.report;

import static com.cohortwatch.report.Html.escape;

/**
 * SVG elements appended in order to a page, every attribute value and text escaped: a chart is a
 * loop of {@code text}, {@code rect} and {@code line} calls rather than a chain of appends.
 * Attributes are name-value pairs, written in the order given.
 */
final class Svg {
  private final StringBuilder out;

  private Svg(StringBuilder out) {
    this.out = out;
  }

  /** Opens {@code <svg class width height>} on {@code out}; {@link #close} ends it. */
  static Svg open(StringBuilder out, String cssClass, int width, int height) {
    out.append("<svg");
    attributes(out, "class", cssClass, "width", width, "height", height);
    out.append(">\n");
    return new Svg(out);
  }

  /** {@code <text ...>content</text>}. */
  Svg text(Object content, Object... attributes) {
    out.append("<text");
    attributes(out, attributes);
    out.append('>').append(escape(content)).append("</text>");
    return this;
  }

  /** {@code <rect ...></rect>}. */
  Svg rect(Object... attributes) {
    return rectTitled(null, attributes);
  }

  /** {@code <rect ...><title>title</title></rect>}: the title is the cell's tooltip. */
  Svg rectTitled(String title, Object... attributes) {
    out.append("<rect");
    attributes(out, attributes);
    out.append('>');
    if (title != null) {
      out.append("<title>").append(escape(title)).append("</title>");
    }
    out.append("</rect>");
    return this;
  }

  /** {@code <line ...></line>}. */
  Svg line(Object... attributes) {
    out.append("<line");
    attributes(out, attributes);
    out.append("></line>");
    return this;
  }

  /** Ends a row of elements (the page's source stays readable). */
  Svg newline() {
    out.append('\n');
    return this;
  }

  void close() {
    out.append("</svg>\n");
  }

  private static void attributes(StringBuilder out, Object... nameValues) {
    if (nameValues.length % 2 != 0) {
      throw new IllegalArgumentException("attributes come in name-value pairs");
    }
    for (int i = 0; i < nameValues.length; i += 2) {
      out.append(' ')
          .append(nameValues[i])
          .append("=\"")
          .append(escape(nameValues[i + 1]))
          .append('"');
    }
  }
}
