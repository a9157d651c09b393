package dev.atomkv.server.model.entity;

import java.util.List;

/**
 * One index of a custom entity: its entries are grouped by the partition attributes' values and
 * ordered by the range attribute's value, then by document key.
 *
 * @param name unique within the entity
 * @param partition attributes a query must give values for, outermost first; may be empty
 * @param range the attribute a query's where condition ranges over
 */
public record EntityIndex(String name, List<String> partition, String range) {
  public EntityIndex {
    partition = List.copyOf(partition);
  }
}
