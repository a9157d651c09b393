package dev.atomkv.server.api;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.Attribute;
import dev.atomkv.proto.v1.AttributeType;
import dev.atomkv.proto.v1.IndexState;
import dev.atomkv.proto.v1.RangeOperator;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.entity.EntityDefinition;
import dev.atomkv.server.model.entity.EntityIndex;
import dev.atomkv.server.model.entity.IndexRange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Entity definitions and query operators between their proto and model forms. */
final class EntityProtoMapper {
  private EntityProtoMapper() {}

  /** A validated definition (version 0) from a request. */
  static EntityDefinition toModel(dev.atomkv.proto.v1.EntityDefinition d) {
    Map<String, dev.atomkv.server.model.entity.AttributeType> attributes = new LinkedHashMap<>();
    for (Attribute a : d.getAttributesList()) {
      dev.atomkv.server.model.entity.AttributeType type = switch (a.getType()) {
        case ATTRIBUTE_TYPE_STRING -> dev.atomkv.server.model.entity.AttributeType.STRING;
        case ATTRIBUTE_TYPE_INTEGER -> dev.atomkv.server.model.entity.AttributeType.INTEGER;
        case ATTRIBUTE_TYPE_FLOAT -> dev.atomkv.server.model.entity.AttributeType.FLOAT;
        case ATTRIBUTE_TYPE_BOOLEAN -> dev.atomkv.server.model.entity.AttributeType.BOOLEAN;
        case ATTRIBUTE_TYPE_ANY -> dev.atomkv.server.model.entity.AttributeType.ANY;
        default -> throw KvException.invalid("attribute " + a.getName() + " has no type");
      };
      if (attributes.put(a.getName(), type) != null) {
        throw KvException.invalid("attribute " + a.getName() + " is defined twice");
      }
    }
    List<EntityIndex> indexes = new ArrayList<>();
    for (dev.atomkv.proto.v1.EntityIndex i : d.getIndexesList()) {
      String name = i.getName().isEmpty() ? i.getRange() : i.getName();
      indexes.add(new EntityIndex(name, i.getPartitionList(), i.getRange()));
    }
    return EntityDefinition.of(d.getName(), attributes, indexes);
  }

  static dev.atomkv.proto.v1.EntityDefinition toProto(StoredEntry stored) {
    EntityDefinition d = EntityDefinition.decode(stored.value().payload());
    dev.atomkv.proto.v1.EntityDefinition.Builder b = dev.atomkv.proto.v1.EntityDefinition
        .newBuilder().setName(d.name()).setVersion(d.version())
        .setVersionstamp(ByteString.copyFrom(stored.versionstamp().toBytes()));
    d.attributes().forEach((name, type) -> b.addAttributes(Attribute.newBuilder().setName(name)
        .setType(AttributeType.valueOf("ATTRIBUTE_TYPE_" + type.name()))));
    for (EntityIndex i : d.indexes()) {
      b.addIndexes(dev.atomkv.proto.v1.EntityIndex.newBuilder().setName(i.name())
          .setRange(i.range()).addAllPartition(i.partition())
          .setState(d.isBuilding(i.name()) ? IndexState.INDEX_STATE_BUILDING
              : IndexState.INDEX_STATE_READY));
    }
    return b.build();
  }

  static IndexRange.Op operator(RangeOperator op) {
    return switch (op) {
      case RANGE_OPERATOR_EQUAL_TO -> IndexRange.Op.EQUAL_TO;
      case RANGE_OPERATOR_BEGINS_WITH -> IndexRange.Op.BEGINS_WITH;
      case RANGE_OPERATOR_BETWEEN -> IndexRange.Op.BETWEEN;
      case RANGE_OPERATOR_GREATER_THAN -> IndexRange.Op.GREATER_THAN;
      case RANGE_OPERATOR_GREATER_THAN_EQUAL_TO -> IndexRange.Op.GREATER_THAN_EQUAL_TO;
      case RANGE_OPERATOR_LESS_THAN -> IndexRange.Op.LESS_THAN;
      case RANGE_OPERATOR_LESS_THAN_EQUAL_TO -> IndexRange.Op.LESS_THAN_EQUAL_TO;
      default -> throw KvException.invalid("where.op is not a known range operator");
    };
  }
}
