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
    return open(out, "class", cssClass, "width", width, "height", height);
  }

  /** Opens {@code <svg ...>} with any attributes; {@link #close} ends it. */
  static Svg open(StringBuilder out, Object... attributes) {
    out.append("<svg");
    attributes(out, attributes);
    out.append(">\n");
    return new Svg(out);
  }

  /** {@code <title>text</title>}: the tooltip of the element it is in, or of the whole image. */
  Svg title(String text) {
    out.append("<title>").append(escape(text)).append("</title>");
    return this;
  }

  /** Opens {@code <g ...>}; {@link #endGroup} closes it. */
  Svg group(Object... attributes) {
    out.append("<g");
    attributes(out, attributes);
    out.append('>');
    return this;
  }

  Svg endGroup() {
    out.append("</g>");
    return this;
  }

  /** {@code <circle ...><title>title</title></circle>}. */
  Svg circleTitled(String title, Object... attributes) {
    return element("circle", title, attributes);
  }

  /** {@code <line ...><title>title</title></line>}. */
  Svg lineTitled(String title, Object... attributes) {
    return element("line", title, attributes);
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
    return element("rect", title, attributes);
  }

  /** An element with no content but its tooltip (none when {@code title} is null). */
  private Svg element(String name, String title, Object... attributes) {
    out.append('<').append(name);
    attributes(out, attributes);
    out.append('>');
    if (title != null) {
      title(title);
    }
    out.append("</").append(name).append('>');
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
