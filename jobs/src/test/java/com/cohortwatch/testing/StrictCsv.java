package com.cohortwatch.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * An RFC 4180 parser that accepts nothing else: a quote may appear only around a whole field and,
 * doubled, inside one; anything after a closing quote but a comma or line end, a quote inside an
 * unquoted field or an unclosed quote is an error. What a spreadsheet reads, strictly.
 */
public final class StrictCsv {
  private StrictCsv() {}

  public static List<List<String>> parse(String text) {
    List<List<String>> records = new ArrayList<>();
    List<String> record = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    int i = 0;
    int n = text.length();
    if (n == 0) {
      return records;
    }
    while (true) {
      if (i < n && text.charAt(i) == '"') {
        i++;
        while (true) {
          if (i >= n) {
            throw new IllegalArgumentException("unclosed quote in record " + (records.size() + 1));
          }
          char c = text.charAt(i);
          if (c == '"') {
            if (i + 1 < n && text.charAt(i + 1) == '"') {
              field.append('"');
              i += 2;
              continue;
            }
            i++;
            break;
          }
          field.append(c);
          i++;
        }
        if (i < n && ",\r\n".indexOf(text.charAt(i)) < 0) {
          throw new IllegalArgumentException(
              "text after a closing quote in record " + (records.size() + 1));
        }
      } else {
        while (i < n && ",\r\n".indexOf(text.charAt(i)) < 0) {
          if (text.charAt(i) == '"') {
            throw new IllegalArgumentException(
                "quote inside an unquoted field in record " + (records.size() + 1));
          }
          field.append(text.charAt(i++));
        }
      }
      record.add(field.toString());
      field.setLength(0);
      if (i >= n) {
        records.add(record);
        return records;
      }
      char sep = text.charAt(i);
      if (sep == ',') {
        i++;
        continue;
      }
      i += sep == '\r' && i + 1 < n && text.charAt(i + 1) == '\n' ? 2 : 1;
      records.add(record);
      record = new ArrayList<>();
      if (i >= n) {
        return records;
      }
    }
  }
}
