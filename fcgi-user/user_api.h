/*
 * user_api.h - the HTTP API of the user service: its route table, read top
 * to bottom as the API, and the per-thread state its handlers use.
 */
#ifndef MICROSHOP_USER_API_H
#define MICROSHOP_USER_API_H

#include "fcgi_service.h"

extern const struct fcgi_service user_service;

#endif
