package io.syncbn.transport;

/**
 * The ranks of a collective: {@code size} consecutive ranks of the job starting at {@code first}, and
 * this rank's place among them.
 *
 * @param tag identifies the group in frame headers; 0 for the whole job
 * @param first the job rank of the group's rank 0
 * @param size the number of ranks
 * @param rank this rank within the group
 */
record Group(int tag, int first, int size, int rank) {

    /** The whole job. */
    static Group world(int worldSize, int rank) {
        return new Group(0, 0, worldSize, rank);
    }

    /** The job rank of group rank {@code r}. */
    int global(int r) {
        return first + r;
    }

    /**
     * This rank's group after {@code split(groupSize)}, the {@code splitIndex}-th split of this group.
     * Members of one group compute the same tag; the tag differs between splits, so frames of groups
     * that ranks disagree on are told apart.
     */
    Group split(int splitIndex, int groupSize) {
        int index = rank / groupSize;
        int tag = 31 * (31 * (31 * this.tag + splitIndex + 1) + groupSize) + index;
        return new Group(tag == 0 ? 1 : tag, first + index * groupSize, groupSize, rank % groupSize);
    }

    /** "ranks [4, 8)" for a sub-group, empty for the whole job. */
    String describe() {
        return tag == 0 ? "" : " of group [" + first + ", " + (first + size) + ")";
    }
}
