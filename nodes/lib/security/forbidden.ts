/**
 * `httpAdminMiddleware`: a signed-in user who lacks a permission gets 403 Forbidden with a JSON
 * reason, not Node-RED's bare 401. 401 stays for "not signed in" (the editor then asks to log in);
 * 403 says "signed in, but your role does not allow this", which is what happened.
 *
 * Node-RED's `needsPermission` authenticates the request (setting `req.user`) and, when the scope
 * falls short, answers `res.status(401).end()`: that status call is the one rewritten here.
 */
import type { NextFunction, Request, Response } from "express";

type AuthedRequest = Request & { user?: { username?: string } };

export function forbiddenNot401(req: Request, res: Response, next: NextFunction): void {
  const status = res.status.bind(res);
  res.status = (code: number) => {
    const user = (req as AuthedRequest).user;
    if (code !== 401 || !user) return status(code);
    status(403);
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    // Only the bare end() of needsPermission gets the JSON body; a route's own 401 body is kept.
    res.end = ((...args: unknown[]) => {
      if (args.length > 0) return end(...args);
      res.end = end as Response["end"];
      const who = typeof user.username === "string" ? user.username : "this user";
      return res.json({ error: "forbidden", message: `${who} is signed in but their role does not allow ${req.method} ${req.path}` });
    }) as Response["end"];
    return res;
  };
  next();
}
