package com.cohortwatch.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;

/**
 * Datasets cached for one block of work and unpersisted together when it ends, however it ends:
 * {@code try (Cached cached = new Cached()) { Dataset<Row> d = cached.of(rows); ... }}.
 */
public final class Cached implements AutoCloseable {
  private final List<Dataset<?>> held = new ArrayList<>();

  /** {@code rows}, cached until {@link #close}. */
  public <T> Dataset<T> of(Dataset<T> rows) {
    Dataset<T> cached = rows.cache();
    held.add(cached);
    return cached;
  }

  @Override
  public void close() {
    held.forEach(Dataset::unpersist);
    held.clear();
  }
}
