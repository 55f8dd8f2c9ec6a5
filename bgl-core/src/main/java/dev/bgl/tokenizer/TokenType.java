package dev.bgl.tokenizer;

/**
 * The token types of GGUF {@code tokenizer.ggml.token_type} (llama.cpp {@code llama_token_type}).
 * The numeric codes are the file format; do not reorder.
 */
public enum TokenType {
    UNDEFINED(0), NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

    public final int code;

    TokenType(int code) {
        this.code = code;
    }

    /** The type with this code, or null when the code is not one of GGUF's. */
    public static TokenType ofCode(long code) {
        return code >= 0 && code < values().length ? values()[(int) code] : null;
    }

    /**
     * Whether raw text is searched for this token before pre-tokenization. As in llama.cpp, control
     * and unknown tokens only when special tokens are parsed; user-defined tokens always.
     */
    boolean matchedInText(boolean parseSpecial) {
        return switch (this) {
            case USER_DEFINED -> true;
            case CONTROL, UNKNOWN -> parseSpecial;
            default -> false;
        };
    }
}
