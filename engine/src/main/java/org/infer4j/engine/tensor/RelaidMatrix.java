package org.infer4j.engine.tensor;

/**
 * A weight type whose whole groups of 32 rows may be re-laid at load for the one-token kernel ({@link RowGroups});
 * {@link #groups()} is null where they are not (no whole group, or vectors narrower than 512 bits).
 */
sealed interface RelaidMatrix extends WeightMatrix permits Q4_0Matrix, Q4_KMatrix, Q6_KMatrix, Q8_0Matrix {
    /** The re-laid groups, or null. */
    RowGroups groups();

    @Override
    default int relaidRows() {
        return groups() == null ? 0 : groups().groupedRows();
    }

    @Override
    default WeightMatrix relaid(RelaidCopies copies) {
        return groups() != null ? this : WeightMatrix.of(name(), type(), data(), rows(), cols(), copies);
    }

    @Override
    default void unloadRelaidRows() {
        RowGroups.unload(data(), type().byteSize((long) relaidRows() * cols()));
    }

    @Override
    default int touchRelaid(int rowFrom, int rowTo, int colFrom, int colTo, int part, int parts) {
        return groups() == null || rowFrom >= rowTo ? 0 : groups().touch(rowFrom, rowTo, colFrom, colTo, part, parts);
    }
}
