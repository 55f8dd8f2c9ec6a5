package dev.bgl.decode;

/**
 * What a processor may ask of the decode loop. Inserted tokens are fed to the model before the
 * next sampled token, reported to the stream like generated ones (marked forced), and counted.
 */
public interface DecodeControl {
    /** Queues tokens to be inserted, in order. */
    void insert(int... tokens);

    /** Queues text, tokenised with special tokens recognised (so "</think>" becomes its token). */
    void insertText(String text);

    /** Ends generation after pending insertions, with this reason. */
    void stop(String reason);
}
