package org.diffusion4j.serve;

/**
 * A request the server answers with an error: the HTTP status, the message and the request field at fault (null
 * when no single field is). Sent as {@code {"error": message, "field": field}}.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String field;

    public ApiException(int status, String field, String message) {
        super(message);
        this.status = status;
        this.field = field;
    }

    public int status() {
        return status;
    }

    public String field() {
        return field;
    }

    static ApiException badRequest(String field, String message) {
        return new ApiException(400, field, message);
    }
}
